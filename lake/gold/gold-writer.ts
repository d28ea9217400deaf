// Writing gold tables. Every gold commit carries, as txn actions, the silver versions it covers
// (appId "gold:<silver path>", version = silver version): a restart reads them back and knows
// exactly which silver changes each gold table holds, the way bronze records Kafka offsets.
// A full recomputation replaces the table in one commit; its data files are written as the rows
// are produced, so a million rows never sit in memory at once.

import type { Add, DeltaTable, Row } from '../index.js';
import { commit } from '../kernel/transaction.js';
import { checkColumns, writeDataFiles } from '../operations/write-files.js';
import type { GoldModel } from './model.js';

export interface TxnMark {
  appId: string;
  version: number;
}

export function txnAppId(silverPath: string): string {
  return `gold:${silverPath}`;
}

/** The marks the table does not hold yet (a table never records a silver version twice). */
function pending(table: DeltaTable, txn: TxnMark[]): TxnMark[] {
  return txn.filter((t) => (table.txnVersion(t.appId) ?? -1) < t.version);
}

/**
 * Upserts `rows` and deletes the keys in `deletes` by the model's key, with the txn marks, in one
 * commit. Nothing is written when the table already covers every mark.
 */
export async function mergeIntoGold(table: DeltaTable, model: GoldModel, rows: Row[], deletes: Row[], txn: TxnMark[]): Promise<boolean> {
  const marks = pending(table, txn);
  if (marks.length === 0) return false;
  if (rows.length === 0 && deletes.length === 0) {
    // progress only: an empty merge would read every file to find nothing
    await table.append([], { txn: marks });
    return true;
  }
  const isDelete = new Set(deletes);
  await table.merge(rows.length ? rows.concat(deletes) : deletes, { keys: model.keys, isDelete: (r) => isDelete.has(r), txn: marks });
  return true;
}

/** Data files of gold rows, not yet part of the table (replaceGold commits them). */
export async function writeGoldFiles(table: DeltaTable, rows: Row[]): Promise<Add[]> {
  if (rows.length === 0) return [];
  checkColumns(rows, table.schema);
  return writeDataFiles({ storage: table.storage, schema: table.schema, partitionColumns: table.partitionColumns }, rows);
}

/** Replaces every row of the table with the given files, with the txn marks, in one commit. */
export async function replaceGold(table: DeltaTable, adds: Add[], txn: TxnMark[]): Promise<number> {
  const now = Date.now();
  const removed = [...table.snapshot.files.values()];
  return commit(table.storage, table.snapshot, {
    operation: 'WRITE',
    operationParameters: { mode: 'Overwrite', partitionBy: '[]' },
    operationMetrics: { num_added_files: adds.length, num_removed_files: removed.length, num_added_rows: adds.reduce((n, a) => n + recordsOf(a), 0) },
    actions: [
      ...txn.map((t) => ({ txn: { appId: t.appId, version: t.version, lastUpdated: now } })),
      ...removed.map((a) => ({ remove: { path: a.path, deletionTimestamp: now, dataChange: true, extendedFileMetadata: true, partitionValues: a.partitionValues, size: a.size } })),
      ...adds.map((add) => ({ add })),
    ],
    readFiles: removed.map((a) => a.path),
    blindAppend: false,
  });
}

/** Rows in a table, from its files' statistics (no data read). */
export function rowCount(table: DeltaTable): number {
  let n = 0;
  for (const add of table.snapshot.files.values()) n += recordsOf(add);
  return n;
}

/** Rows in a data file, from its statistics (0 when it has none). */
export function recordsOf(add: Add): number {
  try {
    const n = add.stats ? (JSON.parse(add.stats) as { numRecords?: unknown }).numRecords : undefined;
    return typeof n === 'number' ? n : 0;
  } catch {
    return 0;
  }
}
