// Rows to one Parquet data file (zstd, DataPage V1, timestamps as INT64 micros adjusted to UTC),
// and the file's Delta statistics, computed in the same pass over the values so no second read
// of the file is needed.

import {
  DuckDBBigIntType,
  DuckDBTableFunction,
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBBlobValue,
  DuckDBListValue,
  DuckDBMapValue,
  DuckDBStructValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  type DuckDBConnection,
  type DuckDBDataChunk,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';
import { UserError } from '../../common/errors.js';
import { decimalParts, duckType, type DataType, type StructField } from '../kernel/schema.js';
import { dateToDays, normalize, toMicros, toUnscaled, type Row } from '../kernel/values.js';
import { StatsCollector, type FileStats, type StatKey } from '../kernel/stats.js';
import { sqlString, withReusedConnection } from './duck.js';
import { CHUNK, NullMask, putColumn, rawBooleans, rawVectors, StringColumn } from './vectors.js';


export interface WrittenFile {
  stats: FileStats;
}

/** Writes `rows` (only `fields` are taken from each row) to the local file `file`. */
export async function writeParquet(file: string, fields: StructField[], rows: Row[]): Promise<WrittenFile> {
  return withReusedConnection((c) => writeWith(c, file, fields, rows));
}

/** A batch being written: what the lake_rows table function hands DuckDB, chunk by chunk. */
interface Pending {
  fields: StructField[];
  types: DuckDBType[];
  rows: Row[];
  fillers: Filler[];
  collectors: StatsCollector[];
  /** The error a filler threw (DuckDB only passes its message on). */
  error?: unknown;
}

const pending = new Map<number, Pending>();
let nextId = 1;
let rowsFunction: DuckDBTableFunction | undefined;

/**
 * `COPY (SELECT * FROM lake_rows(id)) TO file`: DuckDB pulls the rows straight from JavaScript
 * into the Parquet writer, one chunk per call. A temporary table in between cost a third as much
 * again as the Parquet encoding (create, append, drop). Registered once: functions are
 * database-wide.
 */
function registerRowsFunction(c: DuckDBConnection): void {
  if (rowsFunction) return;
  const fn = DuckDBTableFunction.create({
    name: 'lake_rows',
    parameterTypes: [DuckDBBigIntType.instance],
    bindFunction: (bind) => {
      const id = Number(bind.getParameter(0) as bigint);
      const p = pending.get(id);
      if (!p) {
        bind.setError(`no rows are waiting to be written under ${id}`);
        return;
      }
      p.fields.forEach((f, i) => bind.addResultColumn(f.name, p.types[i]!));
      bind.setBindData({ id });
      bind.setCardinality(p.rows.length, true);
    },
    initFunction: (init) => {
      // one caller in row order: the file keeps the rows' order
      init.setMaxThreads(1);
      init.setInitData({ off: 0 });
    },
    mainFunction: (info, out) => {
      const p = pending.get((info.bindData as { id: number }).id)!;
      const state = info.initData as { off: number };
      const n = Math.min(CHUNK, p.rows.length - state.off);
      out.rowCount = n;
      if (n === 0) return;
      try {
        for (let ci = 0; ci < p.fields.length; ci++) p.fillers[ci]!(out, ci, p.rows, state.off, n, p.collectors[ci]!);
      } catch (e) {
        p.error = e;
        throw e;
      }
      state.off += n;
    },
  });
  c.registerTableFunction(fn);
  rowsFunction = fn;
}

/** DuckDB's types for the columns, by their SQL names (asked once per column list). */
const typeCache = new Map<string, DuckDBType[]>();

async function duckTypes(c: DuckDBConnection, fields: StructField[]): Promise<DuckDBType[]> {
  const sql = fields.map((f, i) => `CAST(NULL AS ${duckType(f.type)}) AS c${i}`).join(', ');
  let types = typeCache.get(sql);
  if (!types) {
    types = fields.length ? (await c.run(`SELECT ${sql}`)).columnTypes() : [];
    if (typeCache.size < 256) typeCache.set(sql, types);
  }
  return types;
}

async function writeWith(c: DuckDBConnection, file: string, fields: StructField[], rows: Row[]): Promise<WrittenFile> {
  registerRowsFunction(c);
  const collectors = fields.map((f) => new StatsCollector(f));
  const p: Pending = { fields, types: await duckTypes(c, fields), rows, fillers: fields.map(fillerFor), collectors };
  const id = nextId++;
  pending.set(id, p);
  try {
    await c.run(`COPY (SELECT * FROM lake_rows(${id})) TO ${sqlString(file)} (FORMAT parquet, COMPRESSION zstd)`);
  } catch (e) {
    throw p.error ?? e;
  } finally {
    pending.delete(id);
  }
  return { stats: StatsCollector.fileStats(rows.length, collectors) };
}

/** Fills one chunk column from rows[off, off + n) and feeds the column's statistics. */
type Filler = (chunk: DuckDBDataChunk, ci: number, rows: Row[], off: number, n: number, stats: StatsCollector) => void;

// A filler keeps its buffers from chunk to chunk and from write to write (a table's appends reuse
// its schema's field objects): allocating them per chunk made the garbage collector a tenth of an
// append. A filler runs synchronously from start to end, so two writes never share one midway.
const fillers = new WeakMap<StructField, Filler>();

function fillerFor(f: StructField): Filler {
  let fill = fillers.get(f);
  if (!fill) fillers.set(f, (fill = filler(f)));
  return fill;
}

/**
 * The filler for a column. The primitive types write straight into the vector's memory and keep
 * their bounds in locals; a value of another JavaScript type than the canonical one (a number for
 * a long, an ISO string for a timestamp, ...) takes the converter and StatsCollector.add, so every
 * value is converted, checked and counted exactly as on the generic path. Null slots are zeroed,
 * as node-api leaves them.
 */
export function filler(f: StructField): Filler {
  const name = f.name;
  const nullable = f.nullable;
  const conv = converter(f.type, name, nullable);
  const generic: Filler = (chunk, ci, rows, off, n, stats) => {
    const values = new Array<DuckDBValue>(n);
    for (let i = 0; i < n; i++) {
      const raw = rows[off + i]![name];
      values[i] = conv(raw);
      stats.add(raw === undefined ? null : raw);
    }
    chunk.setColumnValues(ci, values);
  };
  if (!rawVectors || typeof f.type !== 'string') return generic;
  const type = f.type;
  const read = columnReader(name);
  // the chunk's values of this column (emptied after each chunk: nothing is kept past a write)
  const raws = new Array<unknown>(CHUNK);
  const mask = new NullMask();
  switch (type) {
    case 'long': {
      const data = new BigInt64Array(CHUNK);
      return (chunk, ci, rows, off, n, stats) => {
        read(rows, off, n, raws);
        mask.reset(n);
        let min: bigint | undefined;
        let max: bigint | undefined;
        let refused: string | undefined;
        for (let i = 0; i < n; i++) {
          const raw = raws[i];
          if (raw === null || raw === undefined) {
            if (!nullable) throw notNull(name);
            mask.setNull(i);
            data[i] = 0n;
            continue;
          }
          if (typeof raw === 'bigint') {
            data[i] = raw;
            if (min === undefined || raw < min) min = raw;
            if (max === undefined || raw > max) max = raw;
          } else {
            const v = conv(raw) as bigint;
            stats.add(raw);
            if (v < INT64_MIN || v > INT64_MAX) refused ??= 'bigint out of int64 range';
            data[i] = v;
          }
        }
        // node-api's vectors refuse these after the column's values are converted: so here
        if (min !== undefined && (min < INT64_MIN || max! > INT64_MAX)) refused ??= 'bigint out of int64 range';
        if (refused) throw new Error(refused);
        raws.fill(undefined, 0, n);
        putColumn(chunk, ci, data, n * 8, mask);
        finish(stats, mask, min, max, false);
      };
    }
    case 'integer':
    case 'short':
    case 'byte': {
      const [lo, hi] = type === 'integer' ? [-(2 ** 31), 2 ** 31] : type === 'short' ? [-(2 ** 15), 2 ** 15] : [-(2 ** 7), 2 ** 7];
      const data = type === 'integer' ? new Int32Array(CHUNK) : type === 'short' ? new Int16Array(CHUNK) : new Int8Array(CHUNK);
      const width = type === 'integer' ? 'int32' : type === 'short' ? 'int16' : 'int8';
      return (chunk, ci, rows, off, n, stats) => {
        read(rows, off, n, raws);
        mask.reset(n);
        let min = Infinity;
        let max = -Infinity;
        let refused: string | undefined;
        for (let i = 0; i < n; i++) {
          const raw = raws[i];
          if (raw === null || raw === undefined) {
            if (!nullable) throw notNull(name);
            mask.setNull(i);
            data[i] = 0;
            continue;
          }
          let v: number;
          if (typeof raw === 'number' && Number.isInteger(raw) && raw >= lo && raw < hi) {
            v = raw;
            if (v < min) min = v;
            if (v > max) max = v;
          } else {
            v = conv(raw) as number;
            stats.add(raw);
            // what node-api's vectors refuse, once the column's values are converted
            if (!Number.isInteger(v)) refused ??= 'number is not an integer';
            else if (v < lo || v >= hi) refused ??= `number out of ${width} range`;
          }
          data[i] = v;
        }
        if (refused) throw new Error(refused);
        raws.fill(undefined, 0, n);
        putColumn(chunk, ci, data, n * data.BYTES_PER_ELEMENT, mask);
        finish(stats, mask, min <= max ? min : undefined, min <= max ? max : undefined, false);
      };
    }
    case 'double':
    case 'float': {
      const data = type === 'double' ? new Float64Array(CHUNK) : new Float32Array(CHUNK);
      return (chunk, ci, rows, off, n, stats) => {
        read(rows, off, n, raws);
        mask.reset(n);
        // plain numbers (no undefined) keep the bounds unboxed
        let min = Infinity;
        let max = -Infinity;
        let unordered = false;
        for (let i = 0; i < n; i++) {
          const raw = raws[i];
          if (raw === null || raw === undefined) {
            if (!nullable) throw notNull(name);
            mask.setNull(i);
            data[i] = 0;
            continue;
          }
          if (typeof raw === 'number') {
            data[i] = raw;
            if (!Number.isFinite(raw)) unordered = true;
            else {
              if (raw < min) min = raw;
              if (raw > max) max = raw;
            }
          } else {
            data[i] = conv(raw) as number;
            stats.add(raw);
          }
        }
        raws.fill(undefined, 0, n);
        putColumn(chunk, ci, data, n * data.BYTES_PER_ELEMENT, mask);
        finish(stats, mask, min <= max ? min : undefined, min <= max ? max : undefined, unordered);
      };
    }
    case 'boolean': {
      if (!rawBooleans) return generic;
      const data = new Uint8Array(CHUNK);
      return (chunk, ci, rows, off, n, stats) => {
        read(rows, off, n, raws);
        mask.reset(n);
        for (let i = 0; i < n; i++) {
          const raw = raws[i];
          if (raw === null || raw === undefined) {
            if (!nullable) throw notNull(name);
            mask.setNull(i);
            data[i] = 0;
            continue;
          }
          data[i] = (typeof raw === 'boolean' ? raw : (conv(raw) as boolean)) ? 1 : 0;
        }
        raws.fill(undefined, 0, n);
        putColumn(chunk, ci, data, n, mask);
        stats.addNulls(mask.count);
      };
    }
    case 'string': {
      const col = new StringColumn(CHUNK);
      return (chunk, ci, rows, off, n, stats) => {
        read(rows, off, n, raws);
        mask.reset(n);
        col.reset(n);
        let min: string | undefined;
        let max: string | undefined;
        for (let i = 0; i < n; i++) {
          const raw = raws[i];
          if (raw === null || raw === undefined) {
            if (!nullable) throw notNull(name);
            mask.setNull(i);
            continue;
          }
          if (typeof raw === 'string') {
            col.set(i, raw);
            if (min === undefined || raw < min) min = raw;
            if (max === undefined || raw > max) max = raw;
          } else {
            col.set(i, conv(raw) as string);
            stats.add(raw);
          }
        }
        raws.fill(undefined, 0, n);
        col.put(chunk, ci, mask);
        finish(stats, mask, min, max, false);
      };
    }
    case 'date': {
      const data = new Int32Array(CHUNK);
      // days by input string: a column of dates holds few distinct ones
      const days = new Map<string, number>();
      return (chunk, ci, rows, off, n, stats) => {
        read(rows, off, n, raws);
        mask.reset(n);
        let min: string | undefined;
        let max: string | undefined;
        let refused: string | undefined;
        for (let i = 0; i < n; i++) {
          const raw = raws[i];
          if (raw === null || raw === undefined) {
            if (!nullable) throw notNull(name);
            mask.setNull(i);
            data[i] = 0;
            continue;
          }
          let d = typeof raw === 'string' ? days.get(raw) : undefined;
          if (d !== undefined) {
            // a cached string is a canonical 'YYYY-MM-DD': its own statistics key
            const s = raw as string;
            if (min === undefined || s < min) min = s;
            if (max === undefined || s > max) max = s;
          } else {
            d = (conv(raw) as DuckDBDateValue).days;
            stats.add(raw);
            // what node-api's vectors refuse, once the column's values are converted
            if (!Number.isInteger(d)) refused ??= 'number is not an integer';
            else if (d < -(2 ** 31) || d >= 2 ** 31) refused ??= 'number out of int32 range';
            else if (typeof raw === 'string' && CANONICAL_DATE.test(raw) && days.size < 4096) days.set(raw, d);
          }
          data[i] = d;
        }
        if (refused) throw new Error(refused);
        raws.fill(undefined, 0, n);
        putColumn(chunk, ci, data, n * 4, mask);
        finish(stats, mask, min, max, false);
      };
    }
    case 'timestamp':
    case 'timestamp_ntz': {
      const data = new BigInt64Array(CHUNK);
      const lo32 = new Uint32Array(data.buffer);
      const hi32 = new Int32Array(data.buffer);
      return (chunk, ci, rows, off, n, stats) => {
        read(rows, off, n, raws);
        mask.reset(n);
        let refused: string | undefined;
        // bounds in milliseconds (a Date's microseconds are its milliseconds times 1000), plain
        // numbers (no undefined) so that they stay unboxed
        let min = Infinity;
        let max = -Infinity;
        for (let i = 0; i < n; i++) {
          const raw = raws[i];
          if (raw === null || raw === undefined) {
            if (!nullable) throw notNull(name);
            mask.setNull(i);
            lo32[i * 2] = 0;
            hi32[i * 2 + 1] = 0;
            continue;
          }
          const ms = raw instanceof Date ? raw.getTime() : NaN;
          if (ms === ms) {
            if (ms < min) min = ms;
            if (ms > max) max = ms;
            if (ms >= -EXACT_MS && ms <= EXACT_MS) {
              // exact in a double: split into the int64's two halves without a BigInt
              const us = ms * 1000;
              const hi = Math.floor(us / 4294967296);
              lo32[i * 2] = us - hi * 4294967296;
              hi32[i * 2 + 1] = hi;
            } else data[i] = BigInt(ms) * 1000n;
          } else {
            // not a valid Date: toMicros converts (or refuses) it as the generic path does
            const us = (conv(raw) as DuckDBTimestampTZValue | DuckDBTimestampValue).micros;
            stats.add(raw);
            // what node-api's vectors refuse, once the column's values are converted
            if (us < INT64_MIN || us > INT64_MAX) refused ??= 'bigint out of int64 range';
            data[i] = us;
          }
        }
        if (refused) throw new Error(refused);
        raws.fill(undefined, 0, n);
        putColumn(chunk, ci, data, n * 8, mask);
        if (min <= max) finish(stats, mask, BigInt(min) * 1000n, BigInt(max) * 1000n, false);
        else finish(stats, mask, undefined, undefined, false);
      };
    }
  }
  return generic;
}

type ColumnReader = (rows: Row[], off: number, n: number, out: unknown[]) => void;
const readers = new Map<string, ColumnReader>();

/**
 * Copies one column of rows[off, off + n) into `out`. Generated per column name so that each has
 * its own property-load site: one shared site `row[name]` sees every column's name and falls
 * back to V8's slow generic lookup, which cost more than converting the values. The name is
 * embedded as a JSON string literal, so any name is safe.
 */
function columnReader(name: string): ColumnReader {
  let read = readers.get(name);
  if (!read) {
    read = new Function('rows', 'off', 'n', 'out', `for (let i = 0; i < n; i++) out[i] = rows[off + i][${JSON.stringify(name)}];`) as ColumnReader;
    if (readers.size < 10_000) readers.set(name, read);
  }
  return read;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
// |ms| up to this keeps ms * 1000 below 2^53 (the year 2255)
const EXACT_MS = 9_000_000_000_000;
const CANONICAL_DATE = /^\d{4}-\d{2}-\d{2}$/;

function finish(stats: StatsCollector, mask: NullMask, min: StatKey | undefined, max: StatKey | undefined, unordered: boolean): void {
  stats.addNulls(mask.count);
  if (unordered) stats.markUnordered();
  if (min !== undefined && max !== undefined) stats.addBounds(min, max);
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
