// Append and overwrite. An append may carry txn actions (appId, version): a streaming writer
// records the last offset it wrote per source partition in the same commit as the data, so
// after a crash it can tell which batches are already in the table.

import { UserError } from '../../common/errors.js';
import type { Action, Metadata, Txn } from '../kernel/actions.js';
import { isAppendOnly, checkWritable } from '../kernel/protocol.js';
import { mergeSchemas, schemaString, structType, type ColumnSpec } from '../kernel/schema.js';
import type { Snapshot } from '../kernel/snapshot.js';
import type { Filter } from '../kernel/stats.js';
import { commit, type CommitOptions } from '../kernel/transaction.js';
import type { Row } from '../kernel/values.js';
import type { Storage } from '../storage/storage.js';
import { selectFiles } from './scan.js';
import { checkColumns, writeDataFiles } from './write-files.js';

export interface AppendOptions extends CommitOptions {
  /** Streaming progress committed with the data, e.g. [{appId: 'topic-0', version: 4711}]. */
  txn?: Array<{ appId: string; version: number }>;
  /** New nullable columns to add to the schema in the same commit. */
  columns?: ColumnSpec[];
}

export interface WriteResult {
  /** The version committed, or the current version when the batch was skipped. */
  version: number;
  /** True when every txn of the batch was already committed: nothing was written. */
  skipped: boolean;
  filesAdded: number;
  filesRemoved: number;
  rows: number;
}

/** The schema change (a metaData action) needed for new columns, or undefined. */
export function evolveSchema(snapshot: Snapshot, columns: ColumnSpec[] | undefined): Metadata | undefined {
  if (!columns?.length) return undefined;
  const { schema, added } = mergeSchemas(snapshot.schema, structType(columns));
  if (added.length === 0) return undefined;
  return { ...snapshot.requireMetadata(), schemaString: schemaString(schema) };
}

export function checkTxns(snapshot: Snapshot, txn: AppendOptions['txn']): 'new' | 'done' {
  if (!txn?.length) return 'new';
  for (const t of txn) {
    if (typeof t.appId !== 'string' || t.appId === '' || !Number.isSafeInteger(t.version) || t.version < 0) {
      throw new UserError(`invalid txn ${JSON.stringify(t)}: appId must be a non-empty string and version a non-negative integer`);
    }
  }
  // a batch is already in the table when the table's version for its appId is >= the batch's
  const done = txn.filter((t) => (snapshot.txns.get(t.appId)?.version ?? -1) >= t.version);
  if (done.length === 0) return 'new';
  if (done.length === txn.length) return 'done';
  throw new UserError(
    `part of this batch is already committed (${done.map((t) => `${t.appId}@${snapshot.txns.get(t.appId)!.version}`).join(', ')}) and part is not`,
    { fix: 'drop the rows at or below table.txnVersion(appId) for each appId before appending' },
  );
}

export async function append(storage: Storage, snapshot: Snapshot, rows: Row[], opts: AppendOptions = {}): Promise<WriteResult> {
  if (checkTxns(snapshot, opts.txn) === 'done') return { version: snapshot.version, skipped: true, filesAdded: 0, filesRemoved: 0, rows: 0 };
  const evolved = evolveSchema(snapshot, opts.columns);
  checkWritable(snapshot.protocol!, evolved ?? snapshot.requireMetadata(), storage.location);
  const schema = evolved ? structType(JSON.parse(evolved.schemaString).fields) : snapshot.schema;
  checkColumns(rows, schema);
  const adds = await writeDataFiles({ storage, schema, partitionColumns: snapshot.partitionColumns }, rows);
  const now = Date.now();
  const txns: Txn[] = (opts.txn ?? []).map((t) => ({ appId: t.appId, version: t.version, lastUpdated: now }));
  const actions: Action[] = [...(evolved ? [{ metaData: evolved }] : []), ...txns.map((txn) => ({ txn })), ...adds.map((add) => ({ add }))];
  if (actions.length === 0) return { version: snapshot.version, skipped: false, filesAdded: 0, filesRemoved: 0, rows: 0 };
  const version = await commit(
    storage,
    snapshot,
    {
      operation: 'WRITE',
      operationParameters: { mode: 'Append', partitionBy: JSON.stringify(snapshot.partitionColumns) },
      operationMetrics: { num_added_files: adds.length, num_added_rows: rows.length, num_removed_files: 0 },
      actions,
      blindAppend: !evolved,
    },
    opts,
  );
  return { version, skipped: false, filesAdded: adds.length, filesRemoved: 0, rows: rows.length };
}

export interface OverwriteOptions extends CommitOptions {
  /** Replace only the rows of the partitions matching these filters (on partition columns). */
  partitionFilters?: Filter[];
  columns?: ColumnSpec[];
  /** Streaming progress committed with the overwrite, as for append (silver applying a truncate). */
  txn?: Array<{ appId: string; version: number }>;
}

export async function overwrite(storage: Storage, snapshot: Snapshot, rows: Row[], opts: OverwriteOptions = {}): Promise<WriteResult> {
  if (checkTxns(snapshot, opts.txn) === 'done') return { version: snapshot.version, skipped: true, filesAdded: 0, filesRemoved: 0, rows: 0 };
  const evolved = evolveSchema(snapshot, opts.columns);
  const metadata = evolved ?? snapshot.requireMetadata();
  checkWritable(snapshot.protocol!, metadata, storage.location);
  if (isAppendOnly(metadata)) throw new UserError('the table is append-only (delta.appendOnly=true): overwrite is not allowed', { where: storage.location });
  const filters = opts.partitionFilters ?? [];
  const partLower = new Set(snapshot.partitionColumns.map((c) => c.toLowerCase()));
  const notPartition = filters.filter((f) => !partLower.has(f.column.toLowerCase()));
  if (notPartition.length) throw new UserError(`overwrite partitionFilters must be on partition columns, not ${notPartition.map((f) => f.column).join(', ')}`);
  const schema = evolved ? structType(JSON.parse(evolved.schemaString).fields) : snapshot.schema;
  checkColumns(rows, schema);
  const replaced = selectFiles(snapshot, filters);
  const adds = await writeDataFiles({ storage, schema, partitionColumns: snapshot.partitionColumns }, rows);
  const now = Date.now();
  const txns: Txn[] = (opts.txn ?? []).map((t) => ({ appId: t.appId, version: t.version, lastUpdated: now }));
  const actions: Action[] = [
    ...(evolved ? [{ metaData: evolved }] : []),
    ...txns.map((txn) => ({ txn })),
    ...replaced.map((a) => ({ remove: { path: a.path, deletionTimestamp: now, dataChange: true, extendedFileMetadata: true, partitionValues: a.partitionValues, size: a.size } })),
    ...adds.map((add) => ({ add })),
  ];
  const version = await commit(
    storage,
    snapshot,
    {
      operation: 'WRITE',
      operationParameters: { mode: 'Overwrite', partitionBy: JSON.stringify(snapshot.partitionColumns), ...(filters.length ? { predicate: JSON.stringify(filters) } : {}) },
      operationMetrics: { num_added_files: adds.length, num_removed_files: replaced.length, num_added_rows: rows.length },
      actions,
      readFiles: replaced.map((a) => a.path),
      blindAppend: false,
    },
    opts,
  );
  return { version, skipped: false, filesAdded: adds.length, filesRemoved: replaced.length, rows: rows.length };
}
