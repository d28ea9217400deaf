// Writing gold tables. Every gold commit carries, as txn actions, the silver versions it covers
// (appId "gold:<silver path>", version = silver version): a restart reads them back and knows
// exactly which silver changes each gold table holds, the way bronze records Kafka offsets.
//
// Files are kept in key order and bounded in size. A refresh's MERGE reads only the files whose
// key range holds a changed key (by their statistics) and writes them back sorted, neighbours
// together, in files of at most gold.rowsPerFile rows, so the hot end of a table (recent
// activities being edited) stays a few bounded files instead of one file that grows with every
// refresh. Compaction joins neighbouring small files, also in key order. A full recomputation replaces the table in one
// commit; its files are written as the rows are produced, so a million rows never sit in memory.

import { logger } from '../../common/log.js';
import type { Add, DeltaTable, Row } from '../index.js';
import { findField, type StructField } from '../kernel/schema.js';
import { parseStats } from '../kernel/stats.js';
import { commit } from '../kernel/transaction.js';
import { compareKeys, keyString, sortKey } from '../kernel/values.js';
import { checkColumns, writeDataFiles } from '../operations/write-files.js';
import type { GoldModel } from './model.js';

const log = logger('gold');

export interface TxnMark {
  appId: string;
  version: number;
}

export function txnAppId(silverPath: string): string {
  return `gold:${silverPath}`;
}

/** The marks the table does not hold yet (a table never records a silver version twice). */
export function pendingMarks(table: DeltaTable, txn: TxnMark[]): TxnMark[] {
  return txn.filter((t) => (table.txnVersion(t.appId) ?? -1) < t.version);
}

type SortKey = number | bigint | string | boolean;

/** Orders rows by the model's key. */
function keyOrder(fields: StructField[]): (a: Row, b: Row) => number {
  const keys = new WeakMap<Row, (SortKey | undefined)[]>();
  const of = (r: Row) => {
    let k = keys.get(r);
    if (!k) keys.set(r, (k = fields.map((f) => sortKey(r[f.name], f.type))));
    return k;
  };
  return (a, b) => {
    const x = of(a);
    const y = of(b);
    for (let i = 0; i < x.length; i++) {
      if (x[i] === y[i]) continue;
      if (x[i] === undefined) return -1;
      if (y[i] === undefined) return 1;
      const c = compareKeys(x[i]!, y[i]!);
      if (c) return c;
    }
    return 0;
  };
}

function keyFields(table: DeltaTable, model: GoldModel): StructField[] {
  return model.keys.map((k) => findField(table.schema, k)!);
}

function rowKey(r: Row, fields: StructField[]): string {
  return fields.length === 1 ? keyString(r[fields[0]!.name]) : fields.map((f) => keyString(r[f.name])).join('\u0001');
}

/** The first key column's [min, max] of a file, or undefined when its statistics do not say. */
function keyRange(add: Add, field: StructField): [SortKey, SortKey] | undefined {
  const stats = parseStats(add.stats);
  const lo = stats?.minValues[field.name];
  const hi = stats?.maxValues[field.name];
  if (lo === undefined || hi === undefined || lo === null || hi === null) return undefined;
  try {
    const min = sortKey(lo, field.type);
    let max = sortKey(hi, field.type);
    if (min === undefined || max === undefined) return undefined;
    if (field.type === 'timestamp') max = (max as bigint) + 999n; // maxima are rounded to the millisecond
    if (field.type === 'string' && String(hi).length >= 32) return undefined; // truncated
    return [min, max];
  } catch {
    return undefined;
  }
}

/** Files that may hold one of the keys (sorted sort keys of the first key column). */
function candidateFiles(table: DeltaTable, field: StructField, sorted: SortKey[]): Add[] {
  return table.files().filter((add) => {
    const range = keyRange(add, field);
    if (!range) return true;
    let a = 0;
    let b = sorted.length;
    while (a < b) {
      const m = (a + b) >> 1;
      if (compareKeys(sorted[m]!, range[0]) < 0) a = m + 1;
      else b = m;
    }
    return a < sorted.length && compareKeys(sorted[a]!, range[1]) <= 0;
  });
}

interface Run {
  range: [SortKey, SortKey] | undefined;
  rows: Row[];
  /** The run holds the highest keys of the table. */
  last: boolean;
}

/** Runs of rewritten files that are neighbours among all files ordered by key range. */
function rewrittenRuns(table: DeltaTable, field: StructField, rewritten: Map<string, Row[]>): Run[] {
  const files = table.files().map((a) => ({ a, range: keyRange(a, field) }));
  const ranged = files.filter((f) => f.range).sort((x, y) => compareKeys(x.range![0], y.range![0]));
  const runs: Run[] = [];
  let run: Run | undefined;
  for (const { a, range } of ranged) {
    const rows = rewritten.get(a.path);
    if (!rows) {
      run = undefined;
      continue;
    }
    if (!run) runs.push((run = { range, rows: [], last: false }));
    for (const r of rows) run.rows.push(r);
    run.range = [run.range![0], compareKeys(range![1], run.range![1]) > 0 ? range![1] : run.range![1]];
  }
  if (run && ranged.length) run.last = true;
  // files without statistics: each on its own
  for (const { a, range } of files) if (!range && rewritten.has(a.path)) runs.push({ range: undefined, rows: rewritten.get(a.path)!, last: false });
  return runs;
}

/** Rows sorted by key, written in files of at most `rowsPerFile` rows. */
async function writeSorted(table: DeltaTable, rows: Row[], order: (a: Row, b: Row) => number, rowsPerFile: number, dataChange = true): Promise<Add[]> {
  rows.sort(order);
  const adds: Add[] = [];
  for (let off = 0; off < rows.length; off += rowsPerFile) {
    const chunk = rows.slice(off, off + rowsPerFile);
    for (const add of await writeDataFiles({ storage: table.storage, schema: table.schema, partitionColumns: table.partitionColumns }, chunk, dataChange)) adds.push(add);
  }
  return adds;
}

function removeAction(a: Add, now: number, dataChange = true) {
  return { remove: { path: a.path, deletionTimestamp: now, dataChange, extendedFileMetadata: true, partitionValues: a.partitionValues, size: a.size } };
}

/**
 * Upserts `rows` and deletes the keys in `deletes` (rows holding the key columns) with the txn
 * marks, in one commit. Nothing is written when the table already covers every mark.
 */
export async function mergeIntoGold(table: DeltaTable, model: GoldModel, rows: Row[], deletes: Row[], txn: TxnMark[], rowsPerFile: number): Promise<boolean> {
  const marks = pendingMarks(table, txn);
  if (marks.length === 0) return false;
  if (rows.length === 0 && deletes.length === 0) {
    await table.append([], { txn: marks }); // progress only
    return true;
  }
  checkColumns(rows, table.schema);
  const fields = keyFields(table, model);
  const changes = new Map<string, Row | null>();
  for (const r of rows) changes.set(rowKey(r, fields), r);
  for (const d of deletes) changes.set(rowKey(d, fields), null);
  const firstKeys = [...rows, ...deletes]
    .map((r) => sortKey(r[fields[0]!.name], fields[0]!.type))
    .filter((k): k is SortKey => k !== undefined)
    .sort(compareKeys);
  const candidates = candidateFiles(table, fields[0]!, firstKeys);
  const rewritten = new Map<string, Row[]>();
  const matched = new Set<string>();
  let updated = 0;
  let deleted = 0;
  for (const add of candidates) {
    const existing = await table.readAdded(add);
    let touched = false;
    const keep: Row[] = [];
    for (const r of existing) {
      const k = rowKey(r, fields);
      if (!changes.has(k)) {
        keep.push(r);
        continue;
      }
      touched = true;
      matched.add(k);
      const next = changes.get(k)!;
      if (next) {
        keep.push(next);
        updated++;
      } else deleted++;
    }
    if (touched) rewritten.set(add.path, keep);
  }
  // Rewritten files that are neighbours in key order (no other file between them) are written
  // back together, sorted, in files of gold.rowsPerFile rows: ranges stay apart, and the many
  // small files of recent refreshes join as they are edited. New keys go with the run whose range
  // holds them (or that ends the table, for keys past its end), else to a file of their own.
  const runs = rewrittenRuns(table, fields[0]!, rewritten);
  const loose: Row[] = [];
  let inserted = 0;
  for (const [k, r] of changes) {
    if (!r || matched.has(k)) continue;
    inserted++;
    const first = sortKey(r[fields[0]!.name], fields[0]!.type);
    const home = first === undefined ? undefined : runs.find((run) => run.range && compareKeys(first, run.range[0]) >= 0 && (run.last || compareKeys(first, run.range[1]) <= 0));
    (home ? home.rows : loose).push(r);
  }
  const removed = candidates.filter((a) => rewritten.has(a.path));
  const order = keyOrder(fields);
  const adds: Add[] = [];
  for (const rowsOf of [...runs.map((run) => run.rows), loose]) for (const add of await writeSorted(table, rowsOf, order, rowsPerFile)) adds.push(add);
  const now = Date.now();
  await commit(table.storage, table.snapshot, {
    operation: 'MERGE',
    operationParameters: { predicate: model.keys.map((k) => `target.${k} = source.${k}`).join(' AND ') },
    operationMetrics: {
      num_source_rows: rows.length + deletes.length, num_target_rows_inserted: inserted, num_target_rows_updated: updated,
      num_target_rows_deleted: deleted, num_target_files_removed: removed.length, num_target_files_added: adds.length,
    },
    actions: [
      ...marks.map((t) => ({ txn: { appId: t.appId, version: t.version, lastUpdated: now } })),
      ...removed.map((a) => removeAction(a, now)),
      ...adds.map((add) => ({ add })),
    ],
    readFiles: candidates.map((a) => a.path),
    blindAppend: false,
  });
  return true;
}

/** Data files of gold rows, not yet part of the table (replaceGold commits them). */
export async function writeGoldFiles(table: DeltaTable, model: GoldModel, rows: Row[], rowsPerFile: number): Promise<Add[]> {
  if (rows.length === 0) return [];
  checkColumns(rows, table.schema);
  return writeSorted(table, rows, keyOrder(keyFields(table, model)), rowsPerFile);
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
      ...removed.map((a) => removeAction(a, now)),
      ...adds.map((add) => ({ add })),
    ],
    readFiles: removed.map((a) => a.path),
    blindAppend: false,
  });
}

/**
 * Joins runs of neighbouring small files (by key range; under half of `rowsPerFile` rows) into
 * files of up to `rowsPerFile` rows, once `minFiles` small files gathered. OPTIMIZE: the commit
 * only moves rows (dataChange=false), so streaming readers skip it. Returns the files removed.
 */
export async function compactGold(table: DeltaTable, model: GoldModel, rowsPerFile: number, minFiles: number): Promise<number> {
  const field = keyFields(table, model)[0]!;
  const small = (a: Add) => recordsOf(a) < rowsPerFile / 2;
  const files = table.files();
  if (files.filter(small).length < minFiles) return 0;
  const ranged = files.map((a) => ({ a, range: keyRange(a, field) })).filter((x) => x.range !== undefined);
  ranged.sort((x, y) => compareKeys(x.range![0], y.range![0]));
  const groups: Add[][] = [];
  let group: Add[] = [];
  let rows = 0;
  const close = () => {
    if (group.length > 1) groups.push(group);
    group = [];
    rows = 0;
  };
  for (const { a } of ranged) {
    if (!small(a) || rows + recordsOf(a) > rowsPerFile) close();
    if (small(a)) {
      group.push(a);
      rows += recordsOf(a);
    }
  }
  close();
  if (groups.length === 0) return 0;
  const order = keyOrder(keyFields(table, model));
  const removed: Add[] = [];
  const adds: Add[] = [];
  for (const g of groups) {
    const rowsOf: Row[] = [];
    for (const a of g) for (const r of await table.readAdded(a)) rowsOf.push(r);
    for (const add of await writeSorted(table, rowsOf, order, rowsPerFile, false)) adds.push(add);
    for (const a of g) removed.push(a);
  }
  const now = Date.now();
  await commit(table.storage, table.snapshot, {
    operation: 'OPTIMIZE',
    operationParameters: { predicate: '[]', targetRows: rowsPerFile },
    operationMetrics: { numRemovedFiles: removed.length, numAddedFiles: adds.length },
    actions: [...removed.map((a) => removeAction(a, now, false)), ...adds.map((add) => ({ add }))],
    readFiles: removed.map((a) => a.path),
    blindAppend: false,
  });
  log.info('compacted small files', { table: `gold/${model.name}`, removed: removed.length, added: adds.length });
  return removed.length;
}

/** Rows in a table, from its files' statistics (no data read). */
export function rowCount(table: DeltaTable): number {
  let n = 0;
  for (const add of table.snapshot.files.values()) n += recordsOf(add);
  return n;
}

/** Rows in a data file, from its statistics (0 when it has none). */
export function recordsOf(add: Add): number {
  const n = parseStats(add.stats)?.numRecords;
  return typeof n === 'number' && Number.isFinite(n) ? n : 0;
}
