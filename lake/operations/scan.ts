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
import { readParquetColumns } from '../parquet/read.js';
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

/** Every row of one data file, partition values included, in schema order. */
export async function readFile(storage: Storage, snapshot: Snapshot, add: Add, fields: StructField[] = snapshot.schema.fields): Promise<Row[]> {
  const partCols = snapshot.partitionColumns;
  const partLower = new Set(partCols.map((c) => c.toLowerCase()));
  const dataFields = fields.filter((f) => !partLower.has(f.name.toLowerCase()));
  if (add.deletionVector) {
    throw new UserError('the table has deletion vectors, which this lake does not read', { where: `${storage.location}/${add.path}` });
  }
  const relative = relativeDataPath(storage, add.path);
  const local = await cachedLocal(storage, relative);
  let data: { rows: number; columns: unknown[][] };
  try {
    data = await readParquetColumns(local, dataFields);
  } catch (e) {
    if (isUserErrorLike(e)) throw e;
    throw new UserError(`cannot read data file ${relative}: ${(e as Error).message}`, { where: storage.location, cause: e });
  }
  const values = partCols.length ? typedPartitionValues(add.partitionValues ?? {}, partCols, snapshot.schema) : {};
  // one source per output column, in the order asked for: a data column or a partition constant
  const sources = fields.map((f) => {
    const i = dataFields.indexOf(f);
    return i >= 0 ? { column: data.columns[i]!, constant: null } : { column: undefined, constant: values[f.name] ?? null };
  });
  const rows = new Array<Row>(data.rows);
  for (let r = 0; r < data.rows; r++) {
    const row: Row = {};
    for (let i = 0; i < fields.length; i++) {
      const src = sources[i]!;
      row[fields[i]!.name] = src.column ? src.column[r] : src.constant;
    }
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
  let left = opts.limit ?? Infinity;
  if (left <= 0) return;
  for (const add of selectFiles(snapshot, filters)) {
    let rows = await readFile(storage, snapshot, add, readFields);
    if (filters.length) {
      rows = rows.filter((r) => filters.every((f) => {
        const field = findField(schema, f.column)!;
        return matches(r[field.name], f, field.type);
      }));
    }
    if (filterFields.length) for (const r of rows) for (const f of filterFields) delete r[f.name];
    if (rows.length > left) rows = rows.slice(0, left);
    left -= rows.length;
    if (rows.length) yield rows;
    if (left <= 0) return;
  }
}
