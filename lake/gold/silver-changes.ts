// What changed in a silver table between two versions, row by row. Silver is written by
// copy-on-write MERGE: a commit removes each file holding a changed key and adds the file
// rewritten (changed rows and unchanged neighbours alike) plus files of new rows. So a key's row
// before the commit is in a removed file, and its row after it in an added file; a key only in
// removed files was deleted; a key only in added files is new; a row equal on both sides was only
// copied. Removed files stay on disk until vacuum's retention (7 days) has passed, so they can
// be read. OPTIMIZE moves rows without changing them (dataChange=false) and is skipped.

import type { Add, DeltaTable, Row } from '../index.js';
import { idKey, SOURCE_TS } from './silver-inputs.js';

export interface RowChange {
  key: string;
  /** The row before the first commit that touched it (null: it did not exist). */
  before: Row | null;
  /** The row after the last commit (null: it was deleted). */
  after: Row | null;
}

/**
 * The net change of every row whose `columns` differ between `afterVersion` and the table's
 * current version. `_source_ts` is read too (the latency figure) but not compared.
 */
export async function readRowChanges(table: DeltaTable, afterVersion: number, key: string, columns: readonly string[]): Promise<RowChange[]> {
  const commits = await table.changesSince(afterVersion);
  const read = [...columns, SOURCE_TS].filter((c) => table.schema.fields.some((f) => f.name === c));
  const net = new Map<string, RowChange>();
  for (const c of commits) {
    const before = new Map<string, Row>();
    for (const path of c.removedPaths) for (const r of await table.readAdded(removedFile(path), read)) before.set(idKey(r[key]), r);
    const after = new Map<string, Row>();
    for (const add of c.added) for (const r of await table.readAdded(add, read)) after.set(idKey(r[key]), r);
    for (const [k, r] of before) {
      const n = net.get(k);
      if (n) n.after = after.get(k) ?? null;
      else net.set(k, { key: k, before: r, after: after.get(k) ?? null });
    }
    for (const [k, r] of after) {
      if (before.has(k)) continue;
      const n = net.get(k);
      if (n) n.after = r;
      else net.set(k, { key: k, before: null, after: r });
    }
  }
  const out: RowChange[] = [];
  for (const change of net.values()) if (!sameValues(change.before, change.after, columns)) out.push(change);
  return out;
}

/** A removed path as the add action readAdded() takes: silver tables are not partitioned. */
function removedFile(path: string): Add {
  return { path, partitionValues: {}, size: 0, modificationTime: 0, dataChange: true };
}

function sameValues(a: Row | null, b: Row | null, columns: readonly string[]): boolean {
  if (a === null || b === null) return a === b;
  for (const c of columns) if (!sameValue(a[c], b[c])) return false;
  return true;
}

function sameValue(x: unknown, y: unknown): boolean {
  if (x instanceof Date && y instanceof Date) return x.getTime() === y.getTime();
  if (x === undefined) x = null;
  if (y === undefined) y = null;
  return x === y;
}
