// Reading a snapshot: choose the files (partition pruning on the add actions' partition values,
// then statistics-based skipping), read them, and filter rows exactly. Skipping only ever drops
// files that cannot match; the row filter decides.

import { UserError } from '../../common/errors.js';
import { fileKey, type Add } from '../kernel/actions.js';
import { cachedLocal } from '../kernel/fetch.js';
import { typedPartitionValues } from '../kernel/partitions.js';
import { findField, type StructField } from '../kernel/schema.js';
import type { Snapshot } from '../kernel/snapshot.js';
import { matches, mayMatch, parseStats, type Filter } from '../kernel/stats.js';
import type { Row } from '../kernel/values.js';
import { queryParquetColumns, type ParquetColumns } from '../parquet/read.js';
import type { Storage } from '../storage/storage.js';

export interface ScanOptions {
  /** Conditions on top-level columns, ANDed. */
  filters?: Filter[];
  /** Columns to return (default: all, in schema order). */
  columns?: string[];
  /** Stop after this many rows. */
  limit?: number;
}

export function checkFilters(snapshot: Snapshot, filters: Filter[]): void {
  const ops = new Set(['=', '!=', '<', '<=', '>', '>=', 'in', 'not in', 'is null', 'is not null']);
  for (const f of filters) {
    if (!findField(snapshot.schema, f.column)) {
      throw new UserError(`filter on unknown column "${f.column}"`, { fix: `columns: ${snapshot.schema.fields.map((x) => x.name).join(', ')}` });
    }
    if (!ops.has(f.op)) throw new UserError(`unknown filter operator "${f.op}"`, { fix: `use one of ${[...ops].join(' ')}` });
  }
}

/** The files of the snapshot that may hold rows matching the filters. */
export function selectFiles(snapshot: Snapshot, filters: Filter[] = []): Add[] {
  checkFilters(snapshot, filters);
  const schema = snapshot.schema;
  const partCols = snapshot.partitionColumns;
  const partLower = new Set(partCols.map((c) => c.toLowerCase()));
  const partFilters = filters.filter((f) => partLower.has(f.column.toLowerCase()));
  const dataFilters = filters.filter((f) => !partLower.has(f.column.toLowerCase()));
  const out: Add[] = [];
  for (const add of snapshot.files.values()) {
    if (partFilters.length) {
      const values = typedPartitionValues(add.partitionValues ?? {}, partCols, schema);
      if (!partFilters.every((f) => matches(values[findField(schema, f.column)!.name], f, findField(schema, f.column)!.type))) continue;
    }
    if (dataFilters.length && !mayMatch(parseStats(add.stats), dataFilters, schema)) continue;
    out.push(add);
  }
  return out;
}

/** Every column of one data file, partition values as constant columns, in the order of `fields`. */
export async function readFileColumns(storage: Storage, snapshot: Snapshot, add: Add, fields: StructField[] = snapshot.schema.fields): Promise<FileColumns> {
  return (await fetchFileColumns(storage, snapshot, add, fields))();
}

interface FileColumns {
  rows: number;
  columns: unknown[][];
}

/** readFileColumns in two steps: the file is read now, its values made when the result is called. */
async function fetchFileColumns(storage: Storage, snapshot: Snapshot, add: Add, fields: StructField[]): Promise<() => FileColumns> {
  const partCols = snapshot.partitionColumns;
  const partLower = new Set(partCols.map((c) => c.toLowerCase()));
  const dataFields = fields.filter((f) => !partLower.has(f.name.toLowerCase()));
  if (add.deletionVector) {
    throw new UserError('the table has deletion vectors, which this lake does not read', { where: `${storage.location}/${add.path}` });
  }
  const relative = relativeDataPath(storage, add.path);
  const local = await cachedLocal(storage, relative);
  const failed = (e: unknown): never => {
    if (isUserErrorLike(e)) throw e;
    throw new UserError(`cannot read data file ${relative}: ${(e as Error).message}`, { where: storage.location, cause: e });
  };
  let values: () => ParquetColumns;
  try {
    values = await queryParquetColumns(local, dataFields);
  } catch (e) {
    return failed(e);
  }
  return () => {
    let data: ParquetColumns;
    try {
      data = values();
    } catch (e) {
      return failed(e);
    }
    const partValues = partCols.length ? typedPartitionValues(add.partitionValues ?? {}, partCols, snapshot.schema) : {};
    // one column per field asked for: a data column, or the file's partition value in every row
    const columns = fields.map((f) => {
      const i = dataFields.indexOf(f);
      return i >= 0 ? data.columns[i]! : new Array<unknown>(data.rows).fill(partValues[f.name] ?? null);
    });
    return { rows: data.rows, columns };
  };
}

/** Every row of one data file, partition values included, in schema order. */
export async function readFile(storage: Storage, snapshot: Snapshot, add: Add, fields: StructField[] = snapshot.schema.fields): Promise<Row[]> {
  const data = await readFileColumns(storage, snapshot, add, fields);
  return toRows(data.rows, data.columns, fields);
}

function toRows(count: number, columns: unknown[][], fields: StructField[]): Row[] {
  const rows = new Array<Row>(count);
  for (let r = 0; r < count; r++) {
    const row: Row = {};
    for (let i = 0; i < fields.length; i++) row[fields[i]!.name] = columns[i]![r];
    rows[r] = row;
  }
  return rows;
}

function isUserErrorLike(e: unknown): boolean {
  return e instanceof UserError;
}

/** The add action's URI as a path relative to the table root. */
export function relativeDataPath(storage: Storage, uri: string): string {
  const path = fileKey(uri);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path) || path.startsWith('/')) {
    throw new UserError(`data file with an absolute location is not supported: ${uri}`, { where: storage.location });
  }
  if (path.split('/').includes('..')) throw new UserError(`data file path leaves the table folder: ${uri}`, { where: storage.location });
  return path;
}

/** Rows in batches (one per file), filtered exactly, up to the limit. */
export async function* scanBatches(storage: Storage, snapshot: Snapshot, opts: ScanOptions = {}): AsyncGenerator<Row[]> {
  for await (const b of scanFiles(storage, snapshot, opts)) yield toRows(b.length, b.columns, b.fields);
}

/** One file's rows as columns: the values scan() puts in rows, one array per column. */
export interface ColumnBatch {
  /** Rows in the batch. */
  length: number;
  /** Each column asked for (all, in schema order, by default), by name. */
  columns: Record<string, unknown[]>;
}

/**
 * The rows of scanBatches as columns, one batch per file: the same files, filters, limit and
 * values, without building an object per row (most of a scan's time when rows are wanted only to
 * be taken apart again).
 */
export async function* scanColumnBatches(storage: Storage, snapshot: Snapshot, opts: ScanOptions = {}): AsyncGenerator<ColumnBatch> {
  for await (const b of scanFiles(storage, snapshot, opts)) {
    const columns: Record<string, unknown[]> = {};
    b.fields.forEach((f, i) => (columns[f.name] = b.columns[i]!));
    yield { length: b.length, columns };
  }
}

/** Files DuckDB reads ahead of the one being turned into values, while their rows total at most this. */
const READ_AHEAD_ROWS = 100_000;
const READ_AHEAD_FILES = 1;

async function* scanFiles(
  storage: Storage,
  snapshot: Snapshot,
  opts: ScanOptions,
): AsyncGenerator<{ length: number; columns: unknown[][]; fields: StructField[] }> {
  const filters = opts.filters ?? [];
  const schema = snapshot.schema;
  const fields = opts.columns
    ? opts.columns.map((c) => {
        const f = findField(schema, c);
        if (!f) throw new UserError(`unknown column "${c}"`, { fix: `columns: ${schema.fields.map((x) => x.name).join(', ')}` });
        return f;
      })
    : schema.fields;
  // read the filter columns too, then drop them
  const filterFields = filters.map((f) => findField(schema, f.column)!).filter((f) => !fields.includes(f));
  const readFields = [...fields, ...filterFields];
  const filterAt = filters.map((f) => readFields.indexOf(findField(schema, f.column)!));
  let left = opts.limit ?? Infinity;
  if (left <= 0) return;
  const files = selectFiles(snapshot, filters);
  // Reading a file is DuckDB's work (on its threads) and then ours (turning its vectors into
  // values): DuckDB reads the next files while the current one becomes values. Only what DuckDB
  // read is held ahead, never values, and only for small files.
  const reads: Array<{ rows: number; data: Promise<() => FileColumns> }> = [];
  let started = 0;
  const startReads = () => {
    while (started < files.length && reads.length <= READ_AHEAD_FILES) {
      // the first read is the file consumed next, whatever its size; the ones after it, if small
      const rows = expectedRows(files[started]!);
      if (reads.length > 0 && reads.slice(1).reduce((a, r) => a + r.rows, rows) > READ_AHEAD_ROWS) break;
      const data = fetchFileColumns(storage, snapshot, files[started++]!, readFields);
      // a read never awaited (the limit was reached first) must not surface as unhandled
      data.catch(() => undefined);
      reads.push({ rows, data });
    }
  };
  while (started < files.length || reads.length > 0) {
    startReads();
    const data = (await reads.shift()!.data)();
    let count = data.rows;
    let columns = data.columns;
    if (filters.length) {
      const keep: number[] = [];
      for (let r = 0; r < count; r++) {
        let ok = true;
        for (let k = 0; k < filters.length && ok; k++) ok = matches(columns[filterAt[k]!]![r], filters[k]!, readFields[filterAt[k]!]!.type);
        if (ok) keep.push(r);
      }
      if (keep.length < count) {
        columns = columns.map((col) => keep.map((r) => col[r]));
        count = keep.length;
      }
    }
    if (count > left) {
      columns = columns.map((col) => col.slice(0, left));
      count = left;
    }
    left -= count;
    if (filterFields.length) columns = columns.slice(0, fields.length);
    if (count) yield { length: count, columns, fields };
    if (left <= 0) return;
  }
}

/** The rows an add action says its file holds, or Infinity when it does not say. */
function expectedRows(add: Add): number {
  const n = parseStats(add.stats)?.numRecords;
  return n !== undefined && Number.isFinite(n) ? n : Infinity;
}
