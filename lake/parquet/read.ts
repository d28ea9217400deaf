// One Parquet data file to rows in the lake's value model (kernel/values.ts), typed by the Delta
// schema rather than by the file: Spark's INT96 timestamps, int32-encoded longs and decimals of
// any physical width all come back as the schema says. Columns the file lacks (added by schema
// evolution after it was written) read as null.

import {
  DuckDBArrayValue,
  DuckDBBlobValue,
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBListValue,
  DuckDBMapValue,
  DuckDBStructValue,
  DuckDBTimestampMillisecondsValue,
  DuckDBTimestampNanosecondsValue,
  DuckDBTimestampSecondsValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  type DuckDBValue,
} from '@duckdb/node-api';
import { quoteIdent, type DataType, type StructField } from '../kernel/schema.js';
import { daysToDate, normalize, unscaledToString, type Row } from '../kernel/values.js';
import { sqlString, withConnection } from './duck.js';

/** Reads the given fields of a local Parquet file as columns (arrays of equal length). */
export async function readParquetColumns(file: string, fields: StructField[]): Promise<{ rows: number; columns: unknown[][] }> {
  return withConnection(async (c) => {
    const probe = await c.runAndReadAll(`SELECT * FROM read_parquet(${sqlString(file)}) LIMIT 0`);
    const names = probe.columnNames();
    const exact = new Set(names);
    const lower = new Map(names.map((n) => [n.toLowerCase(), n]));
    const physical = fields.map((f) => (exact.has(f.name) ? f.name : lower.get(f.name.toLowerCase())));
    const wanted = physical.filter((p): p is string => p !== undefined);
    const sql = wanted.length
      ? `SELECT ${wanted.map(quoteIdent).join(', ')} FROM read_parquet(${sqlString(file)})`
      : `SELECT count(*) AS n FROM read_parquet(${sqlString(file)})`;
    const reader = await c.runAndReadAll(sql);
    const raw = reader.getColumns();
    const rows = wanted.length ? reader.currentRowCount : Number(raw[0]?.[0] ?? 0);
    let next = 0;
    const columns = fields.map((f, i) => {
      if (physical[i] === undefined) return new Array<unknown>(rows).fill(null);
      const col = raw[next++] ?? [];
      return convertColumn(col, f.type, f.name);
    });
    return { rows, columns };
  });
}

export async function readParquetRows(file: string, fields: StructField[]): Promise<Row[]> {
  const { rows, columns } = await readParquetColumns(file, fields);
  const out = new Array<Row>(rows);
  for (let r = 0; r < rows; r++) {
    const row: Row = {};
    for (let i = 0; i < fields.length; i++) row[fields[i]!.name] = columns[i]![r];
    out[r] = row;
  }
  return out;
}

function convertColumn(values: DuckDBValue[], type: DataType, column: string): unknown[] {
  // the common primitive shapes need no per-value work
  if (type === 'string' || type === 'double' || type === 'integer' || type === 'boolean') {
    if (values.every((v) => v === null || typeof v !== 'object')) return values;
  }
  if (type === 'long' && values.every((v) => v === null || typeof v === 'bigint')) return values;
  return values.map((v) => fromDuck(v, type, column));
}

export function fromDuck(v: DuckDBValue, type: DataType, column: string): unknown {
  if (v === null || v === undefined) return null;
  if (typeof type !== 'string') {
    if (type.type === 'array') {
      const items = v instanceof DuckDBListValue || v instanceof DuckDBArrayValue ? v.items : [];
      return items.map((x) => fromDuck(x, type.elementType, column));
    }
    if (type.type === 'struct') {
      const entries = v instanceof DuckDBStructValue ? v.entries : {};
      return Object.fromEntries(type.fields.map((f) => [f.name, fromDuck(entries[f.name] ?? null, f.type, `${column}.${f.name}`)]));
    }
    const entries = v instanceof DuckDBMapValue ? v.entries : [];
    return Object.fromEntries(entries.map((e) => [String(fromDuck(e.key, type.keyType, column)), fromDuck(e.value, type.valueType, column)]));
  }
  switch (type) {
    case 'string':
      if (v instanceof DuckDBBlobValue) return Buffer.from(v.bytes).toString('utf8');
      return typeof v === 'object' ? String(v) : String(v);
    case 'binary':
      return v instanceof DuckDBBlobValue ? v.bytes : new TextEncoder().encode(String(v));
    case 'date':
      if (v instanceof DuckDBDateValue) return daysToDate(v.days);
      return normalize(timestampDate(v) ?? String(v), 'date', column);
    case 'timestamp':
    case 'timestamp_ntz':
      return timestampDate(v) ?? normalize(String(v), type, column);
  }
  if (v instanceof DuckDBDecimalValue) return normalize(unscaledToString(v.value, v.scale), type, column);
  return normalize(v, type, column);
}

function timestampDate(v: DuckDBValue): Date | undefined {
  if (v instanceof DuckDBTimestampTZValue || v instanceof DuckDBTimestampValue) return new Date(Number(v.micros / 1000n) - (v.micros % 1000n < 0n ? 1 : 0));
  if (v instanceof DuckDBTimestampNanosecondsValue) return new Date(Number(v.nanos / 1_000_000n));
  if (v instanceof DuckDBTimestampMillisecondsValue) return new Date(Number(v.millis));
  if (v instanceof DuckDBTimestampSecondsValue) return new Date(Number(v.seconds) * 1000);
  return undefined;
}
