// How a Delta type looks in JavaScript, and the conversions that the log needs: partition values
// (strings in the log), statistics (JSON), and an order to compare them in.
//
//   string → string            long → bigint            integer/short/byte → number
//   float/double → number      boolean → boolean        binary → Uint8Array
//   date → 'YYYY-MM-DD'        timestamp(_ntz) → Date   decimal(p,s) → string ('12.30')
//   array → array              struct → object          map → object keyed by String(key)
//
// Writers accept a little more (a number for a long, an ISO string or epoch ms for a timestamp, a
// Date for a date, a number for a decimal) and normalise it here.

import { UserError } from '../../common/errors.js';
import { decimalParts, type DataType } from './schema.js';

export type Row = Record<string, unknown>;

const DAY_MS = 86_400_000;

/** Microseconds since the epoch for a timestamp input. */
export function toMicros(v: unknown, column: string): bigint {
  if (v instanceof Date) {
    const ms = v.getTime();
    if (Number.isNaN(ms)) throw badValue(column, 'timestamp', v);
    return BigInt(ms) * 1000n;
  }
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return BigInt(Math.trunc(v)) * 1000n;
  if (typeof v === 'string') return parseTimestampString(v, column);
  throw badValue(column, 'timestamp', v);
}

/** Parses 'YYYY-MM-DD[ T]HH:MM:SS[.ffffff][Z|±HH:MM]' keeping microseconds; no zone means UTC. */
export function parseTimestampString(s: string, column: string): bigint {
  const m = /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i.exec(s.trim());
  if (!m) throw badValue(column, 'timestamp', s);
  const base = Date.parse(`${m[1]}T${m[2] ?? '00'}:${m[3] ?? '00'}:${m[4] ?? '00'}Z`);
  if (Number.isNaN(base)) throw badValue(column, 'timestamp', s);
  let micros = BigInt(base) * 1000n + BigInt((m[5] ?? '').padEnd(6, '0').slice(0, 6) || '0');
  const zone = m[6];
  if (zone && zone.toUpperCase() !== 'Z') {
    const z = /^([+-])(\d{2}):?(\d{2})$/.exec(zone)!;
    const offset = (Number(z[2]) * 60 + Number(z[3])) * 60_000_000;
    micros -= BigInt(z[1] === '-' ? -offset : offset);
  }
  return micros;
}

export function microsToDate(micros: bigint): Date {
  return new Date(Number(micros / 1000n) - (micros % 1000n < 0n ? 1 : 0));
}

/** ISO-8601 in UTC with microseconds when there are any. */
export function microsToIso(micros: bigint): string {
  const ms = micros / 1000n - (micros % 1000n < 0n ? 1n : 0n);
  const rest = micros - ms * 1000n;
  const iso = new Date(Number(ms)).toISOString();
  return rest === 0n ? iso : iso.replace('Z', `${String(rest).padStart(3, '0')}Z`);
}

export function toDateString(v: unknown, column: string): string {
  if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v)) return v;
  if (v instanceof Date && !Number.isNaN(v.getTime())) return v.toISOString().slice(0, 10);
  if (typeof v === 'string') {
    const ms = Date.parse(v);
    if (!Number.isNaN(ms)) return new Date(ms).toISOString().slice(0, 10);
  }
  throw badValue(column, 'date', v);
}

export function dateToDays(date: string): number {
  return Math.floor(Date.parse(`${date}T00:00:00Z`) / DAY_MS);
}

export function daysToDate(days: number): string {
  return new Date(days * DAY_MS).toISOString().slice(0, 10);
}

/** A decimal input as the exact unscaled integer at the column's scale. */
export function toUnscaled(v: unknown, type: string, column: string): bigint {
  const d = decimalParts(type)!;
  let s: string;
  if (typeof v === 'string') s = v.trim();
  else if (typeof v === 'number' && Number.isFinite(v)) s = v.toFixed(d.scale);
  else if (typeof v === 'bigint') s = String(v);
  else throw badValue(column, type, v);
  const m = /^([+-])?(\d*)(?:\.(\d*))?$/.exec(s);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw badValue(column, type, v);
  const frac = m[3] ?? '';
  if (frac.length > d.scale && /[1-9]/.test(frac.slice(d.scale))) {
    throw new UserError(`column ${column}: ${s} has more than ${d.scale} decimal places for ${type}`);
  }
  const digits = (m[2] || '0') + frac.slice(0, d.scale).padEnd(d.scale, '0');
  const unscaled = BigInt(digits) * (m[1] === '-' ? -1n : 1n);
  if (digits.replace(/^0+/, '').length > d.precision) throw new UserError(`column ${column}: ${s} does not fit ${type}`);
  return unscaled;
}

export function unscaledToString(unscaled: bigint, scale: number): string {
  const neg = unscaled < 0n;
  const digits = String(neg ? -unscaled : unscaled).padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return neg ? `-${text}` : text;
}

/** Puts a written value in the shape readers return (see the table above). */
export function normalize(v: unknown, type: DataType, column: string): unknown {
  if (v === null || v === undefined) return null;
  if (typeof type !== 'string') {
    if (type.type === 'array') {
      if (!Array.isArray(v)) throw badValue(column, 'array', v);
      return v.map((x) => normalize(x, type.elementType, `${column}[]`));
    }
    if (type.type === 'struct') {
      if (typeof v !== 'object') throw badValue(column, 'struct', v);
      const o = v as Row;
      return Object.fromEntries(type.fields.map((f) => [f.name, normalize(o[f.name], f.type, `${column}.${f.name}`)]));
    }
    const entries = v instanceof Map ? [...v.entries()] : Object.entries(v as object);
    return Object.fromEntries(entries.map(([k, x]) => [String(k), normalize(x, type.valueType, `${column}{}`)]));
  }
  switch (type) {
    case 'string':
      return typeof v === 'string' ? v : String(v);
    case 'long':
      if (typeof v === 'bigint') return v;
      if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
      if (typeof v === 'string' && /^[+-]?\d+$/.test(v.trim())) return BigInt(v.trim());
      throw badValue(column, type, v);
    case 'integer':
    case 'short':
    case 'byte': {
      const n = typeof v === 'bigint' ? Number(v) : typeof v === 'string' ? Number(v) : v;
      if (typeof n !== 'number' || !Number.isInteger(n)) throw badValue(column, type, v);
      const limit = type === 'integer' ? 2 ** 31 : type === 'short' ? 2 ** 15 : 2 ** 7;
      if (n < -limit || n >= limit) throw new UserError(`column ${column}: ${n} does not fit a ${type}`);
      return n;
    }
    case 'float':
    case 'double': {
      const n = typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : typeof v === 'string' ? Number(v) : NaN;
      if (typeof v !== 'number' && Number.isNaN(n)) throw badValue(column, type, v);
      return type === 'float' ? Math.fround(n) : n;
    }
    case 'boolean':
      if (typeof v === 'boolean') return v;
      throw badValue(column, type, v);
    case 'binary':
      if (v instanceof Uint8Array) return v;
      if (typeof v === 'string') return new TextEncoder().encode(v);
      throw badValue(column, type, v);
    case 'date':
      return toDateString(v, column);
    case 'timestamp':
    case 'timestamp_ntz':
      return microsToDate(toMicros(v, column));
  }
  const d = decimalParts(type);
  if (d) return unscaledToString(toUnscaled(v, type, column), d.scale);
  throw badValue(column, type, v);
}

export function badValue(column: string, type: string, v: unknown): UserError {
  const shown = typeof v === 'bigint' ? `${v}n` : v instanceof Date ? v.toString() : JSON.stringify(v) ?? String(v);
  return new UserError(`column ${column}: ${shown?.slice(0, 80)} is not a valid ${type}`);
}

/**
 * A key that orders values of one Delta type: numbers, bigints (long, decimal unscaled,
 * timestamp micros) or strings. undefined when the type has no useful order (binary, nested).
 */
export function sortKey(v: unknown, type: DataType): number | bigint | string | boolean | undefined {
  if (v === null || v === undefined || typeof type !== 'string') return undefined;
  switch (type) {
    case 'string':
    case 'date':
      return String(v);
    case 'boolean':
      return v === true || v === 'true';
    case 'long':
      return typeof v === 'bigint' ? v : BigInt(Math.trunc(Number(v)));
    case 'integer':
    case 'short':
    case 'byte':
    case 'float':
    case 'double':
      return Number(v);
    case 'timestamp':
    case 'timestamp_ntz':
      return toMicros(v, 'value');
    case 'binary':
      return undefined;
  }
  if (decimalParts(type)) return toUnscaled(typeof v === 'number' ? String(v) : v, type, 'value');
  return undefined;
}

export function compareKeys(a: number | bigint | string | boolean, b: number | bigint | string | boolean): number {
  if (typeof a === 'boolean' || typeof b === 'boolean') return Number(a) - Number(b);
  if (typeof a === 'string' || typeof b === 'string') {
    const x = String(a);
    const y = String(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Equality for merge keys and filters: values of one type, compared by their sort key. */
export function keyString(v: unknown): string {
  if (v === null || v === undefined) return '\u0000null';
  if (v instanceof Date) return `t${v.getTime()}`;
  if (v instanceof Uint8Array) return `b${Buffer.from(v).toString('hex')}`;
  if (typeof v === 'bigint' || typeof v === 'number') return `n${String(v)}`;
  if (typeof v === 'object') return `o${JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? String(x) : x))}`;
  return `${typeof v}${String(v)}`;
}
