// MERGE by key, the silver table's one write: each source row either replaces the target row with
// the same key (update), is added (insert), or removes it (when `isDelete` says the source row is
// a delete). Copy-on-write: only files holding a matched key are rewritten; files that cannot hold
// any source key (by their key column's min/max) are not even read. One commit.
//
// Source rows are applied in order, so for a key changed several times in one batch the last
// change wins, which is what a change log means.

import { UserError } from '../../common/errors.js';
import type { Add, Txn } from '../kernel/actions.js';
import { findField, type ColumnSpec, type StructField } from '../kernel/schema.js';
import type { Snapshot } from '../kernel/snapshot.js';
import { parseStats } from '../kernel/stats.js';
import { commit, type CommitOptions } from '../kernel/transaction.js';
import { compareKeys, keyString, normalize, sortKey, type Row } from '../kernel/values.js';
import type { Storage } from '../storage/storage.js';
import { checkRowLevel } from './delete.js';
import { rewriteFiles } from './rewrite.js';
import { checkTxns, evolveSchema, type WriteResult } from './write.js';
import { checkColumns, writeDataFiles } from './write-files.js';

export interface MergeOptions extends CommitOptions {
  /** The key columns that identify a row (the source table's primary key). */
  keys: string[];
  /** Whether a source row is a delete of its key (e.g. row => row._op === 'd'). */
  isDelete?: (row: Row) => boolean;
  /** Insert source rows whose key is not in the table (default true). */
  insert?: boolean;
  /** Streaming progress committed with the merge, as for append. */
  txn?: Array<{ appId: string; version: number }>;
  /** New nullable columns to add to the schema in the same commit. */
  columns?: ColumnSpec[];
  /**
   * How a matched target row and its source row combine (default: the source row replaces it).
   * Return null to leave the target row as it is. Silver uses it to keep columns whose unchanged
   * TOASTed value was not sent, and to ignore changes older than the row it holds.
   */
  combine?: (target: Row, source: Row) => Row | null;
}

export interface MergeResult extends WriteResult {
  rowsInserted: number;
  rowsUpdated: number;
  rowsDeleted: number;
}

export async function merge(storage: Storage, snapshot: Snapshot, source: Row[], opts: MergeOptions): Promise<MergeResult> {
  if (checkTxns(snapshot, opts.txn) === 'done') {
    return { version: snapshot.version, skipped: true, filesAdded: 0, filesRemoved: 0, rows: 0, rowsInserted: 0, rowsUpdated: 0, rowsDeleted: 0 };
  }
  checkRowLevel(storage, snapshot, 'merge');
  const evolved = evolveSchema(snapshot, opts.columns);
  if (evolved) {
    // the schema change is its own commit first: merge rewrites files with the new schema
    await commit(storage, snapshot, { operation: 'ADD COLUMNS', actions: [{ metaData: evolved }], blindAppend: false }, opts);
  }
  const schema = snapshot.schema;
  if (!opts.keys?.length) throw new UserError('merge needs the key columns (keys: [...])');
  const keyFields = opts.keys.map((k) => {
    const f = findField(schema, k);
    if (!f) throw new UserError(`merge key "${k}" is not a column of the table`);
    return f;
  });
  checkColumns(source, schema);
  const isDelete = opts.isDelete ?? (() => false);
  // last change per key wins
  const changes = new Map<string, { row: Row; del: boolean }>();
  for (const raw of source) {
    const row = normalizeRow(raw, schema.fields);
    const key = rowKey(row, keyFields);
    if (keyFields.some((f) => row[f.name] === null)) throw new UserError(`a source row has a null key (${opts.keys.join(', ')})`);
    changes.set(key, { row, del: isDelete(raw) });
  }
  const candidates = candidateFiles(snapshot, keyFields, [...changes.values()].map((c) => c.row));
  const matched = new Set<string>();
  let updated = 0;
  let deleted = 0;
  const result = await rewriteFiles(storage, snapshot, candidates, (row) => {
    const key = rowKey(row, keyFields);
    const change = changes.get(key);
    if (!change) return { row, changed: false };
    matched.add(key);
    if (change.del) {
      deleted++;
      return { row: null, changed: true };
    }
    if (opts.combine) {
      const combined = opts.combine(row, change.row);
      if (combined === null) return { row, changed: false };
      updated++;
      return { row: normalizeRow(combined, schema.fields), changed: true };
    }
    updated++;
    return { row: change.row, changed: true };
  }, []);
  // inserts are written after the rewrite so they can join its files
  const inserts: Row[] = [];
  if (opts.insert !== false) for (const [key, c] of changes) if (!matched.has(key) && !c.del) inserts.push(c.row);
  const insertAdds = inserts.length ? await writeDataFiles({ storage, schema, partitionColumns: snapshot.partitionColumns }, inserts) : [];
  const now = Date.now();
  const txns: Txn[] = (opts.txn ?? []).map((t) => ({ appId: t.appId, version: t.version, lastUpdated: now }));
  const actions = [...txns.map((txn) => ({ txn })), ...result.actions, ...insertAdds.map((add) => ({ add }))];
  const added = result.added.length + insertAdds.length;
  if (actions.length === 0) return { version: snapshot.version, skipped: false, filesAdded: 0, filesRemoved: 0, rows: 0, rowsInserted: 0, rowsUpdated: 0, rowsDeleted: 0 };
  const version = await commit(
    storage,
    snapshot,
    {
      operation: 'MERGE',
      operationParameters: { predicate: opts.keys.map((k) => `target.${k} = source.${k}`).join(' AND ') },
      operationMetrics: {
        num_source_rows: source.length,
        num_target_rows_inserted: inserts.length,
        num_target_rows_updated: updated,
        num_target_rows_deleted: deleted,
        num_target_files_removed: result.removed.length,
        num_target_files_added: added,
      },
      actions,
      readFiles: candidates.map((a) => a.path),
      blindAppend: false,
    },
    opts,
  );
  return { version, skipped: false, filesAdded: added, filesRemoved: result.removed.length, rows: inserts.length + updated + deleted, rowsInserted: inserts.length, rowsUpdated: updated, rowsDeleted: deleted };
}

function normalizeRow(row: Row, fields: StructField[]): Row {
  const out: Row = {};
  for (const f of fields) out[f.name] = normalize(row[f.name], f.type, f.name);
  return out;
}

function rowKey(row: Row, keys: StructField[]): string {
  return keys.length === 1 ? keyString(row[keys[0]!.name]) : keys.map((k) => keyString(row[k.name])).join('\u0001');
}

/** Files whose key ranges may contain a source key: pruned on the first key column's stats. */
function candidateFiles(snapshot: Snapshot, keys: StructField[], rows: Row[]): Add[] {
  const first = keys[0]!;
  const partLower = new Set(snapshot.partitionColumns.map((c) => c.toLowerCase()));
  const all = [...snapshot.files.values()];
  if (partLower.has(first.name.toLowerCase()) || typeof first.type !== 'string') return all;
  const sorted = rows.map((r) => sortKey(r[first.name], first.type)).filter((k) => k !== undefined).sort(compareKeys);
  if (sorted.length === 0) return all;
  return all.filter((add) => {
    const stats = parseStats(add.stats);
    if (!stats) return true;
    const lo = stats.minValues[first.name];
    const hi = stats.maxValues[first.name];
    if (lo === undefined || hi === undefined || lo === null || hi === null) return true;
    let min, max;
    try {
      min = sortKey(lo, first.type);
      max = sortKey(hi, first.type);
    } catch {
      return true;
    }
    if (min === undefined || max === undefined) return true;
    if (first.type === 'timestamp' || first.type === 'timestamp_ntz') max = (max as bigint) + 999n;
    if (first.type === 'string' && String(hi).length >= 32) return true;
    // any source key within [min, max]? binary search for the first key >= min
    let a = 0;
    let b = sorted.length;
    while (a < b) {
      const m = (a + b) >> 1;
      if (compareKeys(sorted[m]!, min) < 0) a = m + 1;
      else b = m;
    }
    return a < sorted.length && compareKeys(sorted[a]!, max) <= 0;
  });
}

