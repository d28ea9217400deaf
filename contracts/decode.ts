// Debezium-encoded row values to plain JavaScript values, driven by the Kafka Connect schema of
// the row (the `before`/`after` struct of the envelope schema, inline with cdc.schemasEnable or
// from the schema topic `<prefix>.schemas`). Shared by every consumer of change events: the
// notifier reads activities with it, the bronze writer types its columns with it.
//
//   Connect / Debezium logical type                  JSON on the wire            decoded to
//   io.debezium.time.Date, connect Date               int32 days since epoch      Date (UTC midnight)
//   io.debezium.time.Timestamp, connect Timestamp     int64 ms since epoch        Date
//   io.debezium.time.MicroTimestamp                   int64 µs since epoch        Date (µs kept in decodeMicros)
//   io.debezium.time.NanoTimestamp                    int64 ns since epoch        Date
//   io.debezium.time.ZonedTimestamp                   ISO-8601 string (UTC)       Date
//   io.debezium.time.Time, connect Time               int32 ms of the day         "HH:MM:SS.fff" string
//   io.debezium.time.MicroTime / NanoTime             int64 µs / ns of the day    "HH:MM:SS.ffffff" string
//   io.debezium.time.ZonedTime                        "HH:MM:SS(.f)Z" string      unchanged string
//   io.debezium.time.MicroDuration                    int64 µs                    number of microseconds
//   org.apache.kafka.connect.data.Decimal             base64 two's complement,    string ("10800.5") or number
//                                                     scale in schema parameters
//   io.debezium.data.VariableScaleDecimal             {scale, value: base64}      string or number
//   bytes (no logical type)                           base64 string               Buffer
//   float / double (float32 / float64 read too)       number, or "NaN"/"Infinity" number
//   array, struct                                     JSON array / object         decoded element-wise
//   anything else (string, int, boolean, Json, Uuid…) as is                       as is
//
// Infinity timestamps (PgJDBC's sentinels, in µs for MicroTimestamp and ms for Timestamp, and
// "infinity" strings) decode to +/-Infinity numbers; infinity dates likewise (Debezium 3.6's values,
// -622191234 and -625821272, which the capture writes too; Debezium also streams 'infinity' as
// -2147472692; and int32 max/min, which the capture wrote before). An unchanged TOASTed value (`__debezium_unavailable_value`)
// decodes to the UNAVAILABLE symbol whatever the column type, so a writer can keep the old value.

import type { ConnectSchema, Row } from './change-event.js';
import { UNAVAILABLE_VALUE } from './change-event.js';

/** Marks a column whose unchanged TOASTed value was not sent. */
export const UNAVAILABLE: unique symbol = Symbol.for('lakehouse.unavailable');

export interface DecodeOptions {
  /** How decimals come back: exact strings (default) or JS numbers (may round). */
  decimals?: 'string' | 'number';
}

export type Decoded = Record<string, unknown>;

const MS_PER_DAY = 86_400_000;
// PgJDBC's +/-infinity sentinels, which Debezium (and the capture) write for infinite timestamps.
const POS_INF_DOUBLE = Number('9223372036825200000');
const NEG_INF_DOUBLE = Number('-9223372036832400000');
const POS_INF_MS = 9223372036825200;
const NEG_INF_MS = -9223372036832400;
const POS_INF_DAYS = new Set([2147483647, -622191234, -2147472692]);
const NEG_INF_DAYS = new Set([-2147483648, -625821272]);
const UNAVAILABLE_BASE64 = Buffer.from(UNAVAILABLE_VALUE).toString('base64');

/**
 * Decodes one row (`before` or `after` of an event) with the row's Connect struct schema. Without a
 * schema the row is returned as it is (a shallow copy): types cannot be known.
 */
export function decodeRow(row: Row | null, valueStructSchema: ConnectSchema | undefined, opts: DecodeOptions = {}): Decoded | null {
  if (row === null || row === undefined) return null;
  if (!valueStructSchema?.fields) return { ...row };
  const out: Decoded = {};
  const known = new Set<string>();
  for (const field of valueStructSchema.fields) {
    const name = field.field;
    if (name === undefined) continue;
    known.add(name);
    if (name in row) out[name] = decodeValue(row[name], field, opts);
  }
  // Columns the schema does not list (should not happen) are kept as they are.
  for (const [k, v] of Object.entries(row)) if (!known.has(k)) out[k] = v;
  return out;
}

/** The `before`/`after` struct of an envelope schema (`<prefix>.<schema>.<table>.Envelope`). */
export function rowSchemaOf(envelopeSchema: ConnectSchema | undefined, which: 'after' | 'before' = 'after'): ConnectSchema | undefined {
  return envelopeSchema?.fields?.find((f) => f.field === which);
}

/** Decodes one value with its field schema. */
export function decodeValue(value: unknown, schema: ConnectSchema, opts: DecodeOptions = {}): unknown {
  if (value === null || value === undefined) return value ?? null;
  if (value === UNAVAILABLE_VALUE || (schema.type === 'bytes' && value === UNAVAILABLE_BASE64)) return UNAVAILABLE;
  switch (schema.name) {
    case 'io.debezium.time.Date':
    case 'org.apache.kafka.connect.data.Date': {
      const days = Number(value);
      if (POS_INF_DAYS.has(days)) return Infinity;
      if (NEG_INF_DAYS.has(days)) return -Infinity;
      return new Date(days * MS_PER_DAY);
    }
    case 'io.debezium.time.Timestamp':
    case 'org.apache.kafka.connect.data.Timestamp':
      return timestampFrom(value, 1n);
    case 'io.debezium.time.MicroTimestamp':
      return timestampFrom(value, 1000n);
    case 'io.debezium.time.NanoTimestamp':
      return timestampFrom(value, 1000000n);
    case 'io.debezium.time.ZonedTimestamp': {
      const s = String(value);
      if (s === 'infinity') return Infinity;
      if (s === '-infinity') return -Infinity;
      return new Date(s);
    }
    case 'io.debezium.time.Time':
    case 'org.apache.kafka.connect.data.Time':
      return timeOfDay(BigInt(value as number) * 1000n);
    case 'io.debezium.time.MicroTime':
      return timeOfDay(BigInt(value as number));
    case 'io.debezium.time.NanoTime':
      return timeOfDay(BigInt(value as number) / 1000n);
    case 'io.debezium.time.MicroDuration':
      return Number(value);
    case 'org.apache.kafka.connect.data.Decimal': {
      const scale = Number(schema.parameters?.scale ?? 0);
      return decimal(unscaledFromBase64(String(value)), scale, opts);
    }
    case 'io.debezium.data.VariableScaleDecimal': {
      const v = value as { scale: number; value: string };
      return decimal(unscaledFromBase64(v.value), Number(v.scale), opts);
    }
  }
  switch (schema.type) {
    case 'bytes':
      return Buffer.from(String(value), 'base64');
    case 'float':
    case 'double':
    case 'float32':
    case 'float64':
      return typeof value === 'string' ? Number(value) : value;
    case 'array':
      return schema.items && Array.isArray(value) ? value.map((v) => decodeValue(v, schema.items!, opts)) : value;
    case 'struct':
      return schema.fields ? decodeRow(value as Row, schema, opts) : value;
    case 'map':
      if (schema.values && value && typeof value === 'object' && !Array.isArray(value)) {
        return Object.fromEntries(Object.entries(value as Row).map(([k, v]) => [k, decodeValue(v, schema.values!, opts)]));
      }
      return value;
    default:
      return value;
  }
}

/** Microseconds since the epoch of a MicroTimestamp (or Timestamp) value, exactly, as a bigint. */
export function decodeMicros(value: number | string, schema: ConnectSchema): bigint {
  const n = BigInt(value);
  if (schema.name === 'io.debezium.time.Timestamp' || schema.name === 'org.apache.kafka.connect.data.Timestamp') return n * 1000n;
  if (schema.name === 'io.debezium.time.NanoTimestamp') return n / 1000n;
  return n;
}

function timestampFrom(value: unknown, unitsPerMs: bigint): Date | number {
  // The sentinels are beyond 2^53: compare them as JSON.parse left them (doubles).
  const n0 = Number(value);
  if (n0 === POS_INF_DOUBLE || (unitsPerMs === 1n && n0 === POS_INF_MS)) return Infinity;
  if (n0 === NEG_INF_DOUBLE || (unitsPerMs === 1n && n0 === NEG_INF_MS)) return -Infinity;
  const n = BigInt(value as number);
  // Floor division, so that times before 1970 land on the right millisecond.
  let ms = n / unitsPerMs;
  if (n % unitsPerMs !== 0n && n < 0n) ms -= 1n;
  return new Date(Number(ms));
}

function timeOfDay(micros: bigint): string {
  const us = Number(micros % 1000000n);
  let secs = Number(micros / 1000000n);
  const hh = Math.floor(secs / 3600);
  secs -= hh * 3600;
  const mm = Math.floor(secs / 60);
  const ss = secs - mm * 60;
  const base = `${String(hh).padStart(2, '0')}:${String(mm).padStart(2, '0')}:${String(ss).padStart(2, '0')}`;
  return us === 0 ? base : `${base}.${String(us).padStart(6, '0').replace(/0+$/, '')}`;
}

/** Big-endian two's-complement bytes (Java's BigInteger.toByteArray) to a bigint. */
export function unscaledFromBase64(b64: string): bigint {
  const bytes = Buffer.from(b64, 'base64');
  if (bytes.length === 0) return 0n;
  let v = BigInt('0x' + bytes.toString('hex'));
  if ((bytes[0]! & 0x80) !== 0) v -= 1n << BigInt(bytes.length * 8);
  return v;
}

function decimal(unscaled: bigint, scale: number, opts: DecodeOptions): string | number {
  const text = decimalText(unscaled, scale);
  return opts.decimals === 'number' ? Number(text) : text;
}

/** The decimal text of unscaled * 10^-scale, with exactly `scale` fraction digits. */
export function decimalText(unscaled: bigint, scale: number): string {
  const neg = unscaled < 0n;
  let digits = (neg ? -unscaled : unscaled).toString();
  if (scale <= 0) return (neg ? '-' : '') + digits + '0'.repeat(-scale);
  digits = digits.padStart(scale + 1, '0');
  return `${neg ? '-' : ''}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}
