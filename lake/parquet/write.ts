// Rows to one Parquet data file (zstd, DataPage V1, timestamps as INT64 micros adjusted to UTC),
// and the file's Delta statistics, computed in the same pass over the values so no second read
// of the file is needed.

import {
  DuckDBDataChunk,
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBBlobValue,
  DuckDBListValue,
  DuckDBMapValue,
  DuckDBStructValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  type DuckDBConnection,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';
import { randomUUID } from 'node:crypto';
import { UserError } from '../../common/errors.js';
import { decimalParts, duckType, quoteIdent, type DataType, type StructField } from '../kernel/schema.js';
import { dateToDays, normalize, toMicros, toUnscaled, type Row } from '../kernel/values.js';
import { StatsCollector, type FileStats } from '../kernel/stats.js';
import { sqlString, withConnection } from './duck.js';

const CHUNK = 2048;

export interface WrittenFile {
  stats: FileStats;
}

/** Writes `rows` (only `fields` are taken from each row) to the local file `file`. */
export async function writeParquet(file: string, fields: StructField[], rows: Row[]): Promise<WrittenFile> {
  return withConnection((c) => writeWith(c, file, fields, rows));
}

async function writeWith(c: DuckDBConnection, file: string, fields: StructField[], rows: Row[]): Promise<WrittenFile> {
  const table = `w_${randomUUID().replace(/-/g, '')}`;
  await c.run(`CREATE TEMP TABLE ${table} (${fields.map((f) => `${quoteIdent(f.name)} ${duckType(f.type)}`).join(', ')})`);
  try {
    const collectors = fields.map((f) => new StatsCollector(f));
    if (rows.length > 0) {
      const appender = await c.createAppender(table, null, 'temp');
      const types: DuckDBType[] = fields.map((_, i) => appender.columnType(i));
      for (let off = 0; off < rows.length; off += CHUNK) {
        const n = Math.min(CHUNK, rows.length - off);
        const chunk = DuckDBDataChunk.create(types, n);
        for (let ci = 0; ci < fields.length; ci++) {
          const f = fields[ci]!;
          const conv = converter(f.type, f.name, f.nullable);
          const stats = collectors[ci]!;
          const values = new Array<DuckDBValue>(n);
          for (let i = 0; i < n; i++) {
            const raw = rows[off + i]![f.name];
            values[i] = conv(raw);
            stats.add(raw === undefined ? null : raw);
          }
          chunk.setColumnValues(ci, values);
        }
        appender.appendDataChunk(chunk);
      }
      appender.closeSync();
    }
    await c.run(`COPY ${table} TO ${sqlString(file)} (FORMAT parquet, COMPRESSION zstd)`);
    return { stats: StatsCollector.fileStats(rows.length, collectors) };
  } finally {
    await c.run(`DROP TABLE IF EXISTS ${table}`);
  }
}

type Converter = (v: unknown) => DuckDBValue;

/** A converter from our JavaScript value model to DuckDB's, checking types on the way. */
function converter(type: DataType, column: string, nullable: boolean): Converter {
  const inner = baseConverter(type, column);
  return (v) => {
    if (v === null || v === undefined) {
      if (!nullable) throw notNull(column);
      return null;
    }
    return inner(v);
  };
}

function baseConverter(type: DataType, column: string): Converter {
  if (typeof type !== 'string') {
    if (type.type === 'array') {
      const el = converter(type.elementType, `${column}[]`, true);
      return (v) => {
        if (!Array.isArray(v)) return normalize(v, type, column) as never;
        return new DuckDBListValue(v.map(el));
      };
    }
    if (type.type === 'struct') {
      const convs = type.fields.map((f) => [f.name, converter(f.type, `${column}.${f.name}`, f.nullable)] as const);
      return (v) => {
        const o = (v ?? {}) as Row;
        return new DuckDBStructValue(Object.fromEntries(convs.map(([name, conv]) => [name, conv(o[name])])));
      };
    }
    const key = converter(type.keyType, `${column}.key`, false);
    const val = converter(type.valueType, `${column}.value`, true);
    return (v) => {
      const entries = v instanceof Map ? [...v.entries()] : Object.entries(v as object);
      return new DuckDBMapValue(entries.map(([k, x]) => ({ key: key(k), value: val(x) })));
    };
  }
  switch (type) {
    case 'string':
      return (v) => (typeof v === 'string' ? v : (normalize(v, type, column) as string));
    case 'long':
      return (v) => (typeof v === 'bigint' ? v : (normalize(v, type, column) as bigint));
    case 'integer':
      return (v) => (typeof v === 'number' && (v | 0) === v ? v : (normalize(v, type, column) as number));
    case 'short':
    case 'byte':
      return (v) => normalize(v, type, column) as number;
    case 'double':
      return (v) => (typeof v === 'number' ? v : (normalize(v, type, column) as number));
    case 'float':
    case 'boolean':
      return (v) => normalize(v, type, column) as number | boolean;
    case 'binary':
      return (v) => new DuckDBBlobValue(normalize(v, type, column) as Uint8Array);
    case 'date':
      return (v) => new DuckDBDateValue(dateToDays(normalize(v, type, column) as string));
    case 'timestamp':
      return (v) => new DuckDBTimestampTZValue(toMicros(v, column));
    case 'timestamp_ntz':
      return (v) => new DuckDBTimestampValue(toMicros(v, column));
  }
  const d = decimalParts(type);
  if (d) return (v) => new DuckDBDecimalValue(toUnscaled(v, type, column), d.precision, d.scale);
  throw new Error(`no converter for ${type}`);
}

function notNull(column: string): Error {
  return new UserError(`column ${column} is not nullable but a row has no value for it`, {
    fix: 'give every row a value for it, or declare the column nullable',
  });
}
