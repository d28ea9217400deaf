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
  DuckDBTypeId,
  type DuckDBDataChunk,
  type DuckDBValue,
} from '@duckdb/node-api';
import { quoteIdent, type DataType, type StructField } from '../kernel/schema.js';
import { daysToDate, microsToDate, normalize, unscaledToString, type Row } from '../kernel/values.js';
import { sqlString, withReusedConnection } from './duck.js';
import { rawBooleans, rawVectors, StringDecoder, vectorOf } from './vectors.js';

/** Reads the given fields of a local Parquet file as columns (arrays of equal length). */
export async function readParquetColumns(file: string, fields: StructField[]): Promise<ParquetColumns> {
  return (await queryParquetColumns(file, fields))();
}

export interface ParquetColumns {
  rows: number;
  columns: unknown[][];
}

/**
 * readParquetColumns in two steps: DuckDB reads the file now (on its own threads, into its own
 * memory), the values are made when the returned function is called. A scan reads the next file
 * this way while it turns the current one into values.
 */
export async function queryParquetColumns(file: string, fields: StructField[]): Promise<() => ParquetColumns> {
  return withReusedConnection(async (c) => {
    const probe = await c.run(`SELECT * FROM read_parquet(${sqlString(file)}) LIMIT 0`);
    const names = probe.columnNames();
    const exact = new Set(names);
    const lower = new Map(names.map((n) => [n.toLowerCase(), n]));
    const physical = fields.map((f) => (exact.has(f.name) ? f.name : lower.get(f.name.toLowerCase())));
    const wanted = physical.filter((p): p is string => p !== undefined);
    if (wanted.length === 0) {
      const count = await c.runAndReadAll(`SELECT count(*) AS n FROM read_parquet(${sqlString(file)})`);
      const rows = Number(count.getColumns()[0]?.[0] ?? 0);
      return () => ({ rows, columns: fields.map(() => new Array<unknown>(rows).fill(null)) });
    }
    const result = await c.run(`SELECT ${wanted.map(quoteIdent).join(', ')} FROM read_parquet(${sqlString(file)})`);
    return () => {
      const rows = result.rowCount;
      const read = fields.filter((_, i) => physical[i] !== undefined);
      const decoders = read.map((f, k) => columnDecoder(f, result.columnTypeId(k)));
      const out = read.map(() => new Array<unknown>(rows));
      let at = 0;
      for (let ci = 0; ci < result.chunkCount; ci++) {
        const chunk = result.getChunk(ci);
        const n = chunk.rowCount;
        for (let k = 0; k < read.length; k++) decoders[k]!(chunk, k, n, out[k]!, at);
        at += n;
      }
      let next = 0;
      const columns = fields.map((_, i) => (physical[i] === undefined ? new Array<unknown>(rows).fill(null) : out[next++]!));
      return { rows, columns };
    };
  });
}

/** Puts the values of a chunk's column k into out[at, at + n), in the lake's value model. */
type Decoder = (chunk: DuckDBDataChunk, k: number, n: number, out: unknown[], at: number) => void;

/**
 * The decoder for a column: straight from the vector's memory where the file's type is the one
 * the schema's type is written as, node-api's values and fromDuck otherwise (another writer's
 * physical type, decimals, binary, nested types), so every value comes back as it always has.
 */
function columnDecoder(f: StructField, id: DuckDBTypeId): Decoder {
  const type = f.type;
  const generic: Decoder = (chunk, k, n, out, at) => {
    const values = convertColumn(chunk.getColumnValues(k), type, f.name);
    for (let i = 0; i < n; i++) out[at + i] = values[i];
  };
  if (!rawVectors || typeof type !== 'string') return generic;
  if (type === 'long' && id === DuckDBTypeId.BIGINT) {
    return (chunk, k, n, out, at) => {
      const { data, valid } = vectorOf(chunk, k, n, 8);
      const v = new BigInt64Array(data.buffer, data.byteOffset, n);
      for (let i = 0; i < n; i++) out[at + i] = valid === null || (valid[i >> 3]! & (1 << (i & 7))) !== 0 ? v[i] : null;
    };
  }
  const numeric =
    (type === 'integer' && id === DuckDBTypeId.INTEGER) ? Int32Array
    : (type === 'short' && id === DuckDBTypeId.SMALLINT) ? Int16Array
    : (type === 'byte' && id === DuckDBTypeId.TINYINT) ? Int8Array
    : (type === 'double' && id === DuckDBTypeId.DOUBLE) ? Float64Array
    : (type === 'float' && id === DuckDBTypeId.FLOAT) ? Float32Array
    : undefined;
  if (numeric) {
    const width = numeric.BYTES_PER_ELEMENT;
    return (chunk, k, n, out, at) => {
      const { data, valid } = vectorOf(chunk, k, n, width);
      const v = new numeric(data.buffer as ArrayBuffer, data.byteOffset, n);
      for (let i = 0; i < n; i++) out[at + i] = valid === null || (valid[i >> 3]! & (1 << (i & 7))) !== 0 ? v[i] : null;
    };
  }
  if (type === 'boolean' && id === DuckDBTypeId.BOOLEAN && rawBooleans) {
    return (chunk, k, n, out, at) => {
      const { data, valid } = vectorOf(chunk, k, n, 1);
      for (let i = 0; i < n; i++) out[at + i] = valid === null || (valid[i >> 3]! & (1 << (i & 7))) !== 0 ? data[i] !== 0 : null;
    };
  }
  if (type === 'string' && id === DuckDBTypeId.VARCHAR) {
    const strings = new StringDecoder();
    return (chunk, k, n, out, at) => strings.decode(chunk, k, n, out, at);
  }
  if (type === 'date' && id === DuckDBTypeId.DATE) {
    // a column of dates holds few distinct ones
    const seen = new Map<number, string>();
    return (chunk, k, n, out, at) => {
      const { data, valid } = vectorOf(chunk, k, n, 4);
      const v = new Int32Array(data.buffer, data.byteOffset, n);
      for (let i = 0; i < n; i++) {
        if (valid !== null && (valid[i >> 3]! & (1 << (i & 7))) === 0) {
          out[at + i] = null;
          continue;
        }
        const days = v[i]!;
        let d = seen.get(days);
        if (d === undefined) {
          d = daysToDate(days);
          if (seen.size < 4096) seen.set(days, d);
        }
        out[at + i] = d;
      }
    };
  }
  if ((type === 'timestamp' || type === 'timestamp_ntz') && (id === DuckDBTypeId.TIMESTAMP_TZ || id === DuckDBTypeId.TIMESTAMP)) {
    return (chunk, k, n, out, at) => {
      const { data, valid } = vectorOf(chunk, k, n, 8);
      const lo = new Uint32Array(data.buffer, data.byteOffset, n * 2);
      const hi = new Int32Array(data.buffer, data.byteOffset, n * 2);
      let big: BigInt64Array | undefined;
      for (let i = 0; i < n; i++) {
        if (valid !== null && (valid[i >> 3]! & (1 << (i & 7))) === 0) {
          out[at + i] = null;
          continue;
        }
        const h = hi[i * 2 + 1]!;
        if (h > -EXACT_HI && h < EXACT_HI) {
          // exact in a double: the milliseconds, rounded down as microsToDate does
          const us = h * 4294967296 + lo[i * 2]!;
          const r = us % 1000;
          out[at + i] = new Date((us - r) / 1000 - (r < 0 ? 1 : 0));
        } else {
          big ??= new BigInt64Array(data.buffer, data.byteOffset, n);
          out[at + i] = microsToDate(big[i]!);
        }
      }
    };
  }
  return generic;
}

// |high word| below 2^20 keeps the microseconds below 2^52, exact in a double
const EXACT_HI = 2 ** 20;

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
