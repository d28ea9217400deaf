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
    // distinct values first: a batch repeats few keys many times (an employee's activities)
    const status = new Map<unknown, boolean>();
    const wanted = new Map<string, unknown>();
    let evaluated = 0;
    for (const i of selected) {
      const v = records[i]!.row[column];
      if (v === null || v === undefined) continue;
      evaluated++;
      const id = typeof v === 'object' ? keyString(v) : v;
      if (status.has(id)) continue;
      const k = keyString(v);
      const ok = known.has(k);
      status.set(id, ok);
      if (!ok) wanted.set(k, v);
    }
    if (wanted.size > 0) {
      const found = await batch.ctx.lookup(refTable, refColumn, [...wanted.values()]);
      for (const [k, v] of wanted) if (found.has(k)) status.set(typeof v === 'object' ? k : v, true);
    }
    const failures: Evaluation['failures'] = [];
    for (const i of selected) {
      const v = records[i]!.row[column];
      if (v === null || v === undefined || status.get(typeof v === 'object' ? keyString(v) : v)) continue;
      failures.push({ index: i, message: `${column} = ${show(batch.views[i]![column])} has no row in ${refTable} (${refColumn})` });
    }
    return { evaluated, failures };
  };
}
