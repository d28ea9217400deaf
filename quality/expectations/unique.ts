// Unique values: within the batch (the first record holding a value owns it; a later record with
// another key and the same value is the duplicate) and, for one column, against silver's current
// rows through the gate's context.

import { keyString, recordKeyString } from '../values.js';
import type { Batch, Evaluation } from '../types.js';
import { show } from './record.js';

export function unique(columns: string[], scope: 'batch' | 'table'): (batch: Batch) => Promise<Evaluation> {
  const label = columns.join(', ');
  return async (batch) => {
    const { records, selected } = batch;
    const failures: Evaluation['failures'] = [];
    const owner = new Map<string, string>();
    const candidates: Array<{ index: number; value: unknown; valueKey: string; recKey: string }> = [];
    let evaluated = 0;
    for (const i of selected) {
      const row = records[i]!.row;
      let valueKey: string;
      if (columns.length === 1) {
        const v = row[columns[0]!];
        if (v === null || v === undefined) continue;
        valueKey = keyString(v);
      } else {
        const vs = columns.map((c) => row[c]);
        if (vs.some((v) => v === null || v === undefined)) continue;
        valueKey = JSON.stringify(vs.map(keyString));
      }
      evaluated++;
      const recKey = recordKeyString(records[i]!.key);
      const first = owner.get(valueKey);
      if (first === undefined) owner.set(valueKey, recKey);
      else if (first !== recKey) {
        failures.push({ index: i, message: `${label} = ${show(valueKey)} is already held by key ${first} in this batch` });
        continue;
      }
      if (scope === 'table') candidates.push({ index: i, value: row[columns[0]!], valueKey, recKey });
    }
    if (candidates.length > 0) {
      const { ctx, table } = batch;
      const values = [...new Map(candidates.map((c) => [c.valueKey, c.value])).values()];
      if (ctx.owners) {
        const keyColumns = Object.keys(records[candidates[0]!.index]!.key);
        const owners = await ctx.owners(table, columns[0]!, values, keyColumns);
        for (const c of candidates) {
          const other = owners.get(c.valueKey)?.find((k) => k !== c.recKey);
          if (other !== undefined) failures.push({ index: c.index, message: `${label} = ${show(c.valueKey)} is already held by key ${other} in silver` });
        }
      } else {
        // Without owners only an insert can be judged: an update or snapshot row may be the holder itself.
        const inserts = candidates.filter((c) => records[c.index]!.op === 'c');
        if (inserts.length > 0) {
          const present = await ctx.lookup(table, columns[0]!, [...new Map(inserts.map((c) => [c.valueKey, c.value])).values()]);
          for (const c of inserts) if (present.has(c.valueKey)) failures.push({ index: c.index, message: `${label} = ${show(c.valueKey)} already exists in silver` });
        }
      }
      failures.sort((a, b) => a.index - b.index);
    }
    return { evaluated, failures };
  };
}
