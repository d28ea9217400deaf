// Partition values: strings in the log (null and '' both mean null), typed for readers, and the
// Hive-style folder names data files are written under (col=value, escaped, null as
// __HIVE_DEFAULT_PARTITION__). The add action's path is a URI, so the escaped folder is escaped
// once more there: 'x=A%2FA' on disk is 'x=A%252FA' in the log.

import { UserError } from '../../common/errors.js';
import { decimalParts, type DataType, type StructType, findField } from './schema.js';
import { daysToDate, microsToDate, normalize, parseTimestampString, toMicros, toUnscaled, unscaledToString } from './values.js';

export const NULL_PARTITION = '__HIVE_DEFAULT_PARTITION__';

/** The log's string for a partition value. */
export function serializePartitionValue(v: unknown, type: DataType, column: string): string | null {
  if (v === null || v === undefined) return null;
  if (typeof type !== 'string') throw new UserError(`partition column ${column} must have a primitive type`);
  switch (type) {
    case 'timestamp':
    case 'timestamp_ntz': {
      // ISO-8601 in UTC with microseconds and Z, as PROTOCOL.md recommends: no reader has to
      // guess a session time zone
      const micros = toMicros(v, column);
      const secs = micros / 1_000_000n - (micros % 1_000_000n < 0n ? 1n : 0n);
      const frac = String(micros - secs * 1_000_000n).padStart(6, '0');
      const iso = new Date(Number(secs) * 1000).toISOString();
      return type === 'timestamp' ? `${iso.slice(0, 19)}.${frac}Z` : `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${frac}`;
    }
    case 'binary':
      throw new UserError(`partition column ${column}: binary partition columns are not supported`);
  }
  const n = normalize(v, type, column);
  if (typeof n === 'string' && n === '' && type === 'string') return null;
  return String(n);
}

/** The typed value of a partition string from the log. */
export function parsePartitionValue(raw: string | null | undefined, type: DataType, column: string): unknown {
  if (raw === null || raw === undefined || raw === '') return null;
  if (typeof type !== 'string') return raw;
  switch (type) {
    case 'string':
      return raw;
    case 'long':
      return BigInt(raw.replace(/\.0*$/, ''));
    case 'integer':
    case 'short':
    case 'byte':
    case 'float':
    case 'double':
      return Number(raw);
    case 'boolean':
      return raw.toLowerCase() === 'true';
    case 'date':
      return /^\d{4}-\d{2}-\d{2}$/.test(raw) ? raw : daysToDate(Math.floor(Date.parse(raw) / 86_400_000));
    case 'timestamp':
    case 'timestamp_ntz':
      return microsToDate(parseTimestampString(raw, column));
    case 'binary':
      return new TextEncoder().encode(raw);
  }
  const d = decimalParts(type);
  if (d) return unscaledToString(toUnscaled(raw, type, column), d.scale);
  return raw;
}

/** Typed partition values of one file, keyed by the schema's column names. */
export function typedPartitionValues(
  values: Record<string, string | null>,
  partitionColumns: string[],
  schema: StructType,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const col of partitionColumns) {
    const field = findField(schema, col);
    const raw = values[col] ?? Object.entries(values).find(([k]) => k.toLowerCase() === col.toLowerCase())?.[1] ?? null;
    out[field?.name ?? col] = field ? parsePartitionValue(raw, field.type, col) : raw;
  }
  return out;
}

/** Hive-style escaping of a path segment, as Spark does it. */
export function escapePathSegment(s: string): string {
  let out = '';
  for (const ch of s) {
    if (/[A-Za-z0-9._\-+~@!$&'(),;]/.test(ch) && ch !== '%') out += ch;
    else out += [...Buffer.from(ch, 'utf8')].map((b) => '%' + b.toString(16).toUpperCase().padStart(2, '0')).join('');
  }
  return out;
}

/** The folder of a partition, e.g. 'ingest_date=2024-11-14/op=c'. */
export function partitionFolder(values: Record<string, string | null>, partitionColumns: string[]): string {
  return partitionColumns
    .map((c) => `${escapePathSegment(c)}=${values[c] === null || values[c] === undefined ? NULL_PARTITION : escapePathSegment(values[c]!)}`)
    .join('/');
}

/** A relative file path as the URI the add action records. */
export function pathToUri(path: string): string {
  return path.split('/').map((seg) => seg.replace(/%/g, '%25').replace(/ /g, '%20')).join('/');
}

