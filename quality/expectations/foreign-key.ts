// A foreign key: the referenced row exists in silver (one lookup per batch for the distinct
// values) or passed the gate in the same silver batch, which silver writes first.

import { keyString } from '../values.js';
import type { Batch, Evaluation } from '../types.js';
import { show } from './record.js';

export function foreignKey(column: string, refTable: string, refColumn: string): (batch: Batch) => Promise<Evaluation> {
  return async (batch) => {
    const { records, selected, sameBatch } = batch;
    const known = new Set<string>();
    const sources = refTable === batch.table ? [records, sameBatch[refTable] ?? []] : [sameBatch[refTable] ?? []];
    for (const list of sources) {
      for (const r of list) {
        const v = r.row[refColumn];
        if (v !== null && v !== undefined) known.add(keyString(v));
      }
    }
    const keys: string[] = new Array(records.length);
    const wanted = new Map<string, unknown>();
    let evaluated = 0;
    for (const i of selected) {
      const v = records[i]!.row[column];
      if (v === null || v === undefined) continue;
      evaluated++;
      const k = keyString(v);
      keys[i] = k;
      if (!known.has(k) && !wanted.has(k)) wanted.set(k, v);
    }
    const found = wanted.size > 0 ? await batch.ctx.lookup(refTable, refColumn, [...wanted.values()]) : new Set<string>();
    const failures: Evaluation['failures'] = [];
    for (const i of selected) {
      const k = keys[i];
      if (k === undefined || known.has(k) || found.has(k)) continue;
      failures.push({ index: i, message: `${column} = ${show(batch.views[i]![column])} has no row in ${refTable} (${refColumn})` });
    }
    return { evaluated, failures };
  };
}
