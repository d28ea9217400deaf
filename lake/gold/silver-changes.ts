// What changed in a silver table between two versions, row by row. Silver is written by
// copy-on-write MERGE: a commit removes each file holding a changed key and adds the file
// rewritten (changed rows and unchanged neighbours alike) plus files of new rows. So a key's row
// before the commit is in a removed file, and its row after it in an added file; a key only in
// removed files was deleted; a key only in added files is new; a row equal on both sides was only
// copied. DuckDB joins the removed and added files of each commit, so however large the files a
// commit rewrote, only the rows that differ reach JavaScript. Removed files stay on disk until
// vacuum's retention (7 days) has passed. OPTIMIZE moves rows without changing them
// (dataChange=false) and is skipped.

import type { Add, DeltaTable, Row } from '../index.js';
import { quoteIdent } from '../kernel/schema.js';
import { fromDuck } from '../parquet/read.js';
import { withConnection } from '../parquet/duck.js';
import { filesRelation } from './duck-files.js';
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
  const fields = table.schema.fields.filter((f) => f.name === key || columns.includes(f.name) || f.name === SOURCE_TS);
  const compared = fields.filter((f) => f.name !== key && f.name !== SOURCE_TS);
  const k = quoteIdent(key);
  const differs = compared.length ? compared.map((f) => `a.${quoteIdent(f.name)} IS DISTINCT FROM b.${quoteIdent(f.name)}`).join(' OR ') : 'false';
  const net = new Map<string, RowChange>();
  await withConnection(async (c) => {
    for (const commit of commits) {
      if (commit.added.length === 0 && commit.removedPaths.length === 0) continue;
      const b = await filesRelation(c, table.storage, commit.removedPaths.map(removedFile), fields);
      const a = await filesRelation(c, table.storage, commit.added, fields);
      const result = await c.runAndReadAll(
        `SELECT true AS __gold_after, a.* FROM ${a} a LEFT JOIN ${b} b ON a.${k} = b.${k} WHERE b.${k} IS NULL OR ${differs}
         UNION ALL
         SELECT false AS __gold_after, b.* FROM ${b} b LEFT JOIN ${a} a ON b.${k} = a.${k} WHERE a.${k} IS NULL OR ${differs}`,
      );
      const before = new Map<string, Row>();
      const after = new Map<string, Row>();
      for (const values of result.getRows()) {
        const row: Row = {};
        fields.forEach((f, i) => (row[f.name] = fromDuck(values[i + 1]!, f.type, f.name)));
        (values[0] ? after : before).set(idKey(row[key]), row);
      }
      for (const [id, r] of before) {
        const n = net.get(id);
        if (n) n.after = after.get(id) ?? null;
        else net.set(id, { key: id, before: r, after: after.get(id) ?? null });
      }
      for (const [id, r] of after) {
        if (before.has(id)) continue;
        const n = net.get(id);
        if (n) n.after = r;
        else net.set(id, { key: id, before: null, after: r });
      }
    }
  });
  const out: RowChange[] = [];
  for (const change of net.values()) if (!sameValues(change.before, change.after, compared.map((f) => f.name))) out.push(change);
  return out;
}

/** A removed path as an add action: silver tables are not partitioned. */
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
  return (x ?? null) === (y ?? null);
}
