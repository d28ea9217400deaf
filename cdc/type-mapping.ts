// PostgreSQL column values to Debezium's JSON, following the connector's defaults
// (time.precision.mode=adaptive, decimal.handling.mode configurable, binary.handling.mode=bytes,
// interval.handling.mode=numeric). Values arrive in PostgreSQL's text form, from pgoutput and from
// the snapshot's queries alike (both sessions run with TimeZone=UTC, DateStyle=ISO and
// IntervalStyle=iso_8601), and each encoder returns a JSON token string: int8 and numeric are
// copied digit for digit, never through a JS number.

import type { ConnectSchema } from '../contracts/change-event.js';
import { UNAVAILABLE_VALUE } from '../contracts/change-event.js';

export type DecimalHandling = 'precise' | 'double' | 'string';

export interface ColumnInfo {
  name: string;
  typeOid: number;
  /** atttypmod: -1 when not declared. */
  typmod: number;
  /** pg_type.typname, for enums, domains and unknown types. */
  typeName: string;
  notNull: boolean;
  /** For arrays: the element type's oid. */
  elemOid?: number;
  /** For enums (or arrays of enums): the labels in order. */
  enumLabels?: string[];
  /** For domains: the base type's oid and typmod. */
  baseOid?: number;
  /** For arrays: the dimensions the column was declared with (pg_attribute.attndims; `int[][]` is 2). */
  dimensions?: number;
  /** The column's default when it is a constant, in PostgreSQL's text form (null: DEFAULT NULL). */
  defaultText?: string | null;
}

export interface ColumnCodec {
  schema: ConnectSchema;
  /**
   * The JSON token of the column's default, or undefined when it has none: what Debezium puts in a
   * required column that a key-only before image (REPLICA IDENTITY DEFAULT) does not carry.
   */
  defaultToken: string | undefined;
  /** Text form to a JSON token. `undefined` means an unchanged TOASTed value (pgoutput 'u'). */
  encode(text: string | null | undefined): string;
  /** True when the type was not recognised and is passed as text. */
  unknown: boolean;
}

const OID = {
  bool: 16, bytea: 17, char: 18, name: 19, int8: 20, int2: 21, int4: 23, text: 25, oid: 26, json: 114, xml: 142,
  float4: 700, float8: 701, money: 790, bpchar: 1042, varchar: 1043, date: 1082, time: 1083, timestamp: 1114,
  timestamptz: 1184, interval: 1186, timetz: 1266, numeric: 1700, uuid: 2950, jsonb: 3802, inet: 869, cidr: 650,
  macaddr: 829, macaddr8: 774, point: 600, tsvector: 3614,
} as const;

/** Array type oid to element oid, for the built-in arrays (user types come from the catalog). */
export const ARRAY_ELEMENT: Record<number, number> = {
  1000: OID.bool, 1001: OID.bytea, 1002: OID.char, 1003: OID.name, 1005: OID.int2, 1007: OID.int4, 1016: OID.int8,
  1009: OID.text, 1014: OID.bpchar, 1015: OID.varchar, 1021: OID.float4, 1022: OID.float8, 1182: OID.date,
  1183: OID.time, 1115: OID.timestamp, 1185: OID.timestamptz, 1187: OID.interval, 1270: OID.timetz,
  1231: OID.numeric, 2951: OID.uuid, 199: OID.json, 3807: OID.jsonb, 143: OID.xml, 791: OID.money,
  1041: OID.inet, 651: OID.cidr, 1040: OID.macaddr, 1017: OID.point, 3643: OID.tsvector,
};

// PgJDBC's sentinels for +/-infinity timestamps (PGStatement.DATE_POSITIVE_INFINITY, in
// milliseconds), which Debezium passes through: as they are for MicroTimestamp, divided by 1000
// for Timestamp (milliseconds), as Debezium 3.6 writes them.
const TS_POS_INF = '9223372036825200000';
const TS_NEG_INF = '-9223372036832400000';
const TS_MS_POS_INF = '9223372036825200';
const TS_MS_NEG_INF = '-9223372036832400';
// What Debezium 3.6 writes for date 'infinity' / '-infinity': PgJDBC's infinity instants as days,
// truncated to int32 on the way. No PostgreSQL date is that far (4713 BC is -2,440,588), so the
// values are unambiguous, and contracts/decode.ts reads them back as +/-infinity.
export const DATE_POS_INF = -622191234;
export const DATE_NEG_INF = -625821272;

const str = (s: string) => JSON.stringify(s);
const UNAVAILABLE_TOKEN = str(UNAVAILABLE_VALUE);
const UNAVAILABLE_BYTES = str(Buffer.from(UNAVAILABLE_VALUE).toString('base64'));

interface Scalar {
  schema: Omit<ConnectSchema, 'optional' | 'field'>;
  encode(text: string): string;
  /** Token for an unchanged TOASTed value of this type. */
  unavailable: string;
}

function scalarFor(oid: number, typmod: number, col: ColumnInfo, decimals: DecimalHandling): Scalar | undefined {
  switch (oid) {
    case OID.bool:
      return { schema: { type: 'boolean' }, encode: (t) => (t === 't' ? 'true' : 'false'), unavailable: 'null' };
    case OID.int2:
      return { schema: { type: 'int16' }, encode: (t) => t, unavailable: 'null' };
    case OID.int4:
    case OID.oid:
      return { schema: { type: oid === OID.oid ? 'int64' : 'int32' }, encode: (t) => t, unavailable: 'null' };
    case OID.int8:
      return { schema: { type: 'int64' }, encode: (t) => t, unavailable: 'null' };
    case OID.float4:
    case OID.float8:
      // Kafka Connect's names: JsonConverter knows float and double, not float32/float64.
      return { schema: { type: oid === OID.float4 ? 'float' : 'double' }, encode: encodeFloat, unavailable: 'null' };
    case OID.numeric:
      return numericScalar(typmod, decimals);
    case OID.money:
      return moneyScalar(decimals);
    case OID.text:
    case OID.varchar:
    case OID.bpchar:
    case OID.name:
    case OID.char:
      return { schema: { type: 'string' }, encode: str, unavailable: UNAVAILABLE_TOKEN };
    case OID.uuid:
      return { schema: { type: 'string', name: 'io.debezium.data.Uuid', version: 1 }, encode: str, unavailable: UNAVAILABLE_TOKEN };
    case OID.json:
    case OID.jsonb:
      return { schema: { type: 'string', name: 'io.debezium.data.Json', version: 1 }, encode: str, unavailable: UNAVAILABLE_TOKEN };
    case OID.xml:
      return { schema: { type: 'string', name: 'io.debezium.data.Xml', version: 1 }, encode: str, unavailable: UNAVAILABLE_TOKEN };
    case OID.inet:
    case OID.cidr:
    case OID.macaddr:
    case OID.macaddr8:
      return { schema: { type: 'string' }, encode: str, unavailable: UNAVAILABLE_TOKEN };
    case OID.bytea:
      return { schema: { type: 'bytes' }, encode: (t) => str(byteaToBase64(t)), unavailable: UNAVAILABLE_BYTES };
    case OID.date:
      return { schema: { type: 'int32', name: 'io.debezium.time.Date', version: 1 }, encode: (t) => String(dateToDays(t)), unavailable: 'null' };
    case OID.time: {
      const p = typmod < 0 ? 6 : typmod;
      if (p <= 3) return { schema: { type: 'int32', name: 'io.debezium.time.Time', version: 1 }, encode: (t) => String(timeToMicros(t) / 1000n), unavailable: 'null' };
      return { schema: { type: 'int64', name: 'io.debezium.time.MicroTime', version: 1 }, encode: (t) => String(timeToMicros(t)), unavailable: 'null' };
    }
    case OID.timetz:
      return { schema: { type: 'string', name: 'io.debezium.time.ZonedTime', version: 1 }, encode: (t) => str(timetzToUtc(t)), unavailable: UNAVAILABLE_TOKEN };
    case OID.timestamp: {
      const p = typmod < 0 ? 6 : typmod;
      if (p <= 3) {
        return {
          schema: { type: 'int64', name: 'io.debezium.time.Timestamp', version: 1 },
          encode: (t) => (t === 'infinity' ? TS_MS_POS_INF : t === '-infinity' ? TS_MS_NEG_INF : String(timestampToMicros(t) / 1000n)),
          unavailable: 'null',
        };
      }
      return {
        schema: { type: 'int64', name: 'io.debezium.time.MicroTimestamp', version: 1 },
        encode: (t) => (t === 'infinity' ? TS_POS_INF : t === '-infinity' ? TS_NEG_INF : String(timestampToMicros(t))),
        unavailable: 'null',
      };
    }
    case OID.timestamptz: {
      // Debezium writes as many fraction digits as the column's precision (6 unless declared).
      const p = typmod < 0 ? 6 : typmod;
      return { schema: { type: 'string', name: 'io.debezium.time.ZonedTimestamp', version: 1 }, encode: (t) => str(withFractionDigits(timestamptzToIso(t), p)), unavailable: UNAVAILABLE_TOKEN };
    }
    case OID.point:
      return { schema: POINT_SCHEMA, encode: encodePoint, unavailable: 'null' };
    case OID.tsvector:
      return { schema: { type: 'string', name: 'io.debezium.data.Tsvector', version: 1 }, encode: str, unavailable: UNAVAILABLE_TOKEN };
    case OID.interval:
      return { schema: { type: 'int64', name: 'io.debezium.time.MicroDuration', version: 1 }, encode: (t) => String(intervalToMicros(t)), unavailable: 'null' };
    default:
      if (col.enumLabels && (oid === col.typeOid || oid === col.elemOid)) {
        return {
          schema: { type: 'string', name: 'io.debezium.data.Enum', version: 1, parameters: { allowed: col.enumLabels.join(',') } },
          encode: str,
          unavailable: UNAVAILABLE_TOKEN,
        };
      }
      return undefined;
  }
}

/** The codec of one column: its Connect schema and its text-to-JSON encoder. */
export function columnCodec(col: ColumnInfo, decimals: DecimalHandling): ColumnCodec {
  const optional = !col.notNull;
  const oid = col.baseOid ?? col.typeOid;
  const elemOid = col.elemOid ?? ARRAY_ELEMENT[oid];
  if (elemOid !== undefined) {
    const inner = scalarFor(elemOid, col.typmod, col, decimals);
    if (inner) {
      // Debezium declares the labels of an enum array as required, other elements as optional.
      const items: ConnectSchema = { ...inner.schema, optional: !inner.schema.name?.endsWith('.Enum') };
      // A multi-dimensional column (`int[][]`) is declared as arrays of arrays, as deep as the
      // column's declared dimensions, so that a sink reads the nested values it is sent. (Debezium
      // declares array<int32> and sends nested arrays, which JsonConverter turns into zeros.)
      const depth = Math.max(1, col.dimensions ?? 1);
      let schema = items;
      for (let d = 0; d < depth; d++) schema = { type: 'array', optional: d === depth - 1 ? optional : true, items: schema };
      const codec = wrap({ ...schema, field: col.name }, (t) => encodeArray(t, inner, depth), `[${inner.unavailable}]`, false);
      return withDefault(codec, col, (t) => encodeArray(t, inner, depth));
    }
  } else {
    const scalar = scalarFor(oid, col.typmod, col, decimals);
    if (scalar) return withDefault(wrap({ ...scalar.schema, optional, field: col.name }, scalar.encode, scalar.unavailable, false), col, scalar.encode);
  }
  // Not a type Debezium maps by default: the text form is kept, never a crash.
  return withDefault(wrap({ type: 'string', optional, field: col.name }, str, UNAVAILABLE_TOKEN, true), col, str);
}

function wrap(schema: ConnectSchema, encode: (t: string) => string, unavailable: string, unknown: boolean): ColumnCodec {
  const codec: ColumnCodec & { nullToken: string } = {
    schema,
    unknown,
    defaultToken: undefined,
    // A required column is only ever null in a key-only before image (a delete or key change under
    // REPLICA IDENTITY DEFAULT); Debezium fills it with its default, or the type's zero value, and
    // a Connect struct cannot hold null there.
    nullToken: schema.optional ? 'null' : zeroToken(schema),
    encode: (t) => (t === null ? codec.nullToken : t === undefined ? unavailable : encode(t)),
  };
  return codec;
}

function zeroToken(schema: ConnectSchema): string {
  if (schema.name === 'org.apache.kafka.connect.data.Decimal') return '"AA=="';
  if (schema.name === 'io.debezium.data.VariableScaleDecimal') return '{"scale":0,"value":"AA=="}';
  // Debezium's fallbacks for zoned times: midnight of the epoch, in UTC.
  if (schema.name === 'io.debezium.time.ZonedTimestamp') return '"1970-01-01T00:00:00Z"';
  if (schema.name === 'io.debezium.time.ZonedTime') return '"00:00:00Z"';
  switch (schema.type) {
    case 'boolean':
      return 'false';
    case 'string':
    case 'bytes':
      return '""';
    case 'array':
      return '[]';
    case 'struct':
    case 'map':
      return 'null';
    default:
      return '0';
  }
}

/**
 * Declares a constant default in the schema, as Debezium does (JsonConverter fills a missing or
 * null required field with it). A default the encoder cannot read is left out, never a crash.
 */
function withDefault(codec: ColumnCodec, col: ColumnInfo, encode: (t: string) => string): ColumnCodec {
  if (col.defaultText === undefined || col.defaultText === null) return codec;
  let token: string;
  try {
    token = encode(col.defaultText);
    JSON.parse(token);
  } catch {
    return codec;
  }
  codec.defaultToken = token;
  if (!codec.schema.optional) (codec as ColumnCodec & { nullToken: string }).nullToken = token;
  codec.schema = { ...codec.schema, default: JSON.parse(token) as unknown };
  // Keep "field" last, as Debezium's JSON does (the order is cosmetic, but diffs read easier).
  const { field, ...rest } = codec.schema;
  codec.schema = { ...rest, field };
  return codec;
}

// Debezium's io.debezium.data.geometry.Point: x and y, and the point as well-known binary.
const POINT_SCHEMA: Scalar['schema'] = {
  type: 'struct',
  fields: [
    { type: 'double', optional: false, field: 'x' },
    { type: 'double', optional: false, field: 'y' },
    { type: 'bytes', optional: true, field: 'wkb' },
    { type: 'int32', optional: true, field: 'srid' },
  ],
  name: 'io.debezium.data.geometry.Point',
  version: 1,
  doc: 'Geometry (POINT)',
};

function encodePoint(t: string): string {
  const m = /^\(([^,]+),([^)]+)\)$/.exec(t);
  if (!m) throw new Error(`unexpected point text ${t}`);
  const wkb = Buffer.alloc(21);
  wkb.writeUInt8(1, 0); // little endian
  wkb.writeUInt32LE(1, 1); // wkbPoint
  wkb.writeDoubleLE(Number(m[1]), 5);
  wkb.writeDoubleLE(Number(m[2]), 13);
  return `{"x":${encodeFloat(m[1]!)},"y":${encodeFloat(m[2]!)},"wkb":${str(wkb.toString('base64'))},"srid":null}`;
}

function encodeFloat(t: string): string {
  // JSON has no NaN or Infinity; Kafka Connect's JsonConverter would write invalid JSON here.
  if (t === 'NaN' || t === 'Infinity' || t === '-Infinity') return str(t);
  return t;
}

// ---- numeric -------------------------------------------------------------------------------

function numericScalar(typmod: number, mode: DecimalHandling): Scalar {
  if (mode === 'double') return { schema: { type: 'double' }, encode: (t) => (t === 'NaN' ? '"NaN"' : String(Number(t))), unavailable: 'null' };
  if (mode === 'string') return { schema: { type: 'string' }, encode: str, unavailable: UNAVAILABLE_TOKEN };
  if (typmod < 4) {
    // numeric without precision: Debezium's VariableScaleDecimal {scale, value}.
    return {
      schema: { type: 'struct', name: 'io.debezium.data.VariableScaleDecimal', version: 1, doc: 'Variable scaled decimal', fields: [
        { type: 'int32', optional: false, field: 'scale' },
        { type: 'bytes', optional: false, field: 'value' },
      ] },
      encode: (t) => {
        if (t === 'NaN' || t.includes('Infinity')) return 'null';
        const scale = (t.split('.')[1] ?? '').length;
        return `{"scale":${scale},"value":${str(unscaledBase64(t, scale))}}`;
      },
      unavailable: 'null',
    };
  }
  const precision = ((typmod - 4) >> 16) & 0xffff;
  const scale = (typmod - 4) & 0xffff;
  return {
    schema: { type: 'bytes', name: 'org.apache.kafka.connect.data.Decimal', version: 1, parameters: { scale: String(scale), 'connect.decimal.precision': String(precision) } },
    encode: (t) => (t === 'NaN' || t.includes('Infinity') ? 'null' : str(unscaledBase64(t, scale))),
    unavailable: 'null',
  };
}

function moneyScalar(mode: DecimalHandling): Scalar {
  const plain = (t: string) => {
    const neg = t.includes('-') || t.startsWith('(');
    const digits = t.replace(/[^0-9.]/g, '');
    return (neg ? '-' : '') + digits;
  };
  if (mode === 'double') return { schema: { type: 'double' }, encode: (t) => String(Number(plain(t))), unavailable: 'null' };
  if (mode === 'string') return { schema: { type: 'string' }, encode: (t) => str(plain(t)), unavailable: UNAVAILABLE_TOKEN };
  return {
    schema: { type: 'bytes', name: 'org.apache.kafka.connect.data.Decimal', version: 1, parameters: { scale: '2' } },
    encode: (t) => str(unscaledBase64(plain(t), 2)),
    unavailable: 'null',
  };
}

/** Big-endian two's-complement bytes of the unscaled value, as Kafka Connect's Decimal. */
export function unscaledBase64(text: string, scale: number): string {
  const neg = text.startsWith('-');
  const body = neg ? text.slice(1) : text;
  const [int = '0', frac = ''] = body.split('.');
  const digits = (int + frac.padEnd(scale, '0').slice(0, scale)).replace(/^0+(?=\d)/, '');
  let v = BigInt(digits || '0');
  if (neg) v = -v;
  return bigintToTwosComplement(v).toString('base64');
}

/** Minimal big-endian two's complement, as Java's BigInteger.toByteArray (Connect's Decimal). */
function bigintToTwosComplement(v: bigint): Buffer {
  let n = 1;
  while (v < -(1n << BigInt(8 * n - 1)) || v >= 1n << BigInt(8 * n - 1)) n++;
  const unsigned = v < 0n ? (1n << BigInt(8 * n)) + v : v;
  return Buffer.from(unsigned.toString(16).padStart(2 * n, '0'), 'hex');
}

// ---- bytes, dates and times ------------------------------------------------------------------

function byteaToBase64(t: string): string {
  if (t.startsWith('\\x')) return Buffer.from(t.slice(2), 'hex').toString('base64');
  // bytea_output=escape fallback
  const out: number[] = [];
  for (let i = 0; i < t.length; i++) {
    if (t[i] === '\\') {
      if (t[i + 1] === '\\') {
        out.push(92);
        i++;
      } else {
        out.push(parseInt(t.slice(i + 1, i + 4), 8));
        i += 3;
      }
    } else out.push(t.charCodeAt(i));
  }
  return Buffer.from(out).toString('base64');
}

function dateToDays(t: string): number {
  if (t === 'infinity') return DATE_POS_INF;
  if (t === '-infinity') return DATE_NEG_INF;
  const bc = t.endsWith(' BC');
  const [y, m, d] = (bc ? t.slice(0, -3) : t).split('-').map(Number) as [number, number, number];
  return daysFromCivil(bc ? 1 - y : y, m, d);
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm): exact for any year. */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = year - (month <= 2 ? 1 : 0);
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function timeToMicros(t: string): bigint {
  const m = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?/.exec(t);
  if (!m) throw new Error(`unexpected time text ${t}`);
  const micros = BigInt((m[4] ?? '').padEnd(6, '0') || '0');
  return (BigInt(m[1]!) * 3600n + BigInt(m[2]!) * 60n + BigInt(m[3]!)) * 1000000n + micros;
}

function timestampToMicros(t: string): bigint {
  // "2025-01-02 03:04:05.123456" (UTC for timestamptz after the session's TimeZone=UTC)
  const bc = t.endsWith(' BC');
  const body = bc ? t.slice(0, -3) : t;
  const [datePart, timePart = '00:00:00'] = body.split(' ') as [string, string?];
  const days = BigInt(dateToDays(datePart + (bc ? ' BC' : '')));
  return days * 86400000000n + timeToMicros(timePart.replace(/[+-]\d{2}(:\d{2})?$/, ''));
}

function timestamptzToIso(t: string): string {
  if (t === 'infinity' || t === '-infinity') return t;
  // With TimeZone=UTC PostgreSQL prints "2025-01-02 03:04:05.5+00".
  const m = /^(\d{4,})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(\.\d+)?([+-]\d{2})(?::?(\d{2}))?(?::?(\d{2}))?( BC)?$/.exec(t);
  if (!m) return t;
  const offsetMin = Number(m[8]) * 60 + Math.sign(Number(m[8]) || 1) * Number(m[9] ?? 0);
  if (offsetMin === 0 && !m[11]) return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${m[7] ?? ''}Z`;
  // A session not in UTC (should not happen): normalise through the microsecond value.
  const micros = timestampToMicros(`${m[1]}-${m[2]}-${m[3]} ${m[4]}:${m[5]}:${m[6]}${m[7] ?? ''}${m[11] ?? ''}`) - BigInt(offsetMin) * 60000000n;
  return microsToIso(micros);
}

function withFractionDigits(iso: string, digits: number): string {
  const m = /^(.*T\d{2}:\d{2}:\d{2})(?:\.(\d+))?Z$/.exec(iso);
  if (!m) return iso; // infinity, -infinity
  const frac = (m[2] ?? '').padEnd(digits, '0').slice(0, digits);
  return `${m[1]}${frac ? '.' + frac : ''}Z`;
}

export function microsToIso(micros: bigint): string {
  const ms = Number(micros / 1000n);
  const rest = Number(((micros % 1000n) + 1000n) % 1000n);
  const iso = new Date(ms).toISOString(); // ...ss.mmmZ
  const frac = (iso.slice(20, 23) + String(rest).padStart(3, '0')).replace(/0+$/, '');
  return iso.slice(0, 19) + (frac ? '.' + frac : '') + 'Z';
}

function timetzToUtc(t: string): string {
  const m = /^(\d{2}):(\d{2}):(\d{2})(\.\d+)?([+-]\d{2})(?::?(\d{2}))?/.exec(t);
  if (!m) return t;
  const offsetSec = Math.sign(Number(m[5]) || 1) * (Math.abs(Number(m[5])) * 3600 + Number(m[6] ?? 0) * 60);
  let secs = Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) - offsetSec;
  secs = ((secs % 86400) + 86400) % 86400;
  const hh = String(Math.floor(secs / 3600)).padStart(2, '0');
  const mm = String(Math.floor((secs % 3600) / 60)).padStart(2, '0');
  const ss = String(secs % 60).padStart(2, '0');
  const frac = (m[4] ?? '').replace(/0+$/, '');
  return `${hh}:${mm}:${ss}${frac === '.' ? '' : frac}Z`;
}

/** ISO-8601 interval (IntervalStyle=iso_8601) to microseconds, months as 365.25/12 days. */
function intervalToMicros(t: string): bigint {
  const m = /^P(?:(-?\d+)Y)?(?:(-?\d+)M)?(?:(-?\d+)D)?(?:T(?:(-?\d+)H)?(?:(-?\d+)M)?(?:(-?[\d.]+)S)?)?$/.exec(t);
  if (!m) throw new Error(`unexpected interval text ${t} (IntervalStyle must be iso_8601)`);
  const months = Number(m[1] ?? 0) * 12 + Number(m[2] ?? 0);
  const days = Number(m[3] ?? 0);
  const secText = m[6] ?? '0';
  const neg = secText.startsWith('-');
  const [si = '0', sf = ''] = secText.replace('-', '').split('.');
  const secMicros = (BigInt(si) * 1000000n + BigInt(sf.padEnd(6, '0').slice(0, 6) || '0')) * (neg ? -1n : 1n);
  const monthMicros = BigInt(Math.round(months * (365.25 / 12) * 86400 * 1e6));
  return monthMicros + BigInt(days) * 86400000000n + BigInt(m[4] ?? 0) * 3600000000n + BigInt(m[5] ?? 0) * 60000000n + secMicros;
}

// ---- arrays ----------------------------------------------------------------------------------

/**
 * An array value at the column's declared depth. PostgreSQL does not hold a column to its declared
 * dimensions: a value of another depth is made to fit without losing an element, a shallower one
 * nested in one-element arrays ({1,2} in an int[][] column is [[1,2]]), a deeper one with its
 * innermost arrays flattened ({{1,2},{3,4}} in an int[] column is [1,2,3,4]).
 */
function encodeArray(t: string, inner: Scalar, depth: number): string {
  return encodeItems(fitDepth(parseArrayLiteral(t), depth), inner);
}

function depthOf(items: ArrayItem[]): number {
  let d = 1;
  for (let x: ArrayItem | undefined = items[0]; Array.isArray(x); x = x[0]) d++;
  return d;
}

function fitDepth(items: ArrayItem[], depth: number): ArrayItem[] {
  if (items.length === 0) return items;
  let d = depthOf(items);
  while (d < depth) {
    items = [items];
    d++;
  }
  const flatten = (xs: ArrayItem[], levels: number): ArrayItem[] => (levels <= 0 ? xs : xs.flatMap((x) => (Array.isArray(x) ? flatten(x, levels - 1) : [x])));
  if (d > depth) {
    // Flatten the levels below the declared depth, element order kept (row-major).
    const flattenBelow = (xs: ArrayItem[], level: number): ArrayItem[] => (level === depth ? flatten(xs, d - depth) : xs.map((x) => (Array.isArray(x) ? flattenBelow(x, level + 1) : x)));
    items = flattenBelow(items, 1);
  }
  return items;
}

function encodeItems(items: ArrayItem[], inner: Scalar): string {
  return '[' + items.map((i) => (i === null ? 'null' : Array.isArray(i) ? encodeItems(i, inner) : inner.encode(i))).join(',') + ']';
}

type ArrayItem = string | null | ArrayItem[];

/** Parses PostgreSQL's array text form, e.g. {1,2,NULL} or {"a b","c\"d"} or {{1,2},{3,4}}. */
export function parseArrayLiteral(t: string): ArrayItem[] {
  let i = 0;
  // Optional dimension decoration: "[1:2]={...}"
  if (t[0] === '[') i = t.indexOf('=') + 1;
  const parse = (): ArrayItem[] => {
    if (t[i] !== '{') throw new Error(`not an array literal: ${t}`);
    i++;
    const out: ArrayItem[] = [];
    if (t[i] === '}') {
      i++;
      return out;
    }
    for (;;) {
      if (t[i] === '{') out.push(parse());
      else if (t[i] === '"') {
        i++;
        let s = '';
        while (t[i] !== '"') {
          if (t[i] === '\\') i++;
          s += t[i];
          i++;
        }
        i++;
        out.push(s);
      } else {
        const start = i;
        while (t[i] !== ',' && t[i] !== '}') i++;
        const raw = t.slice(start, i).trim();
        out.push(raw === 'NULL' ? null : raw);
      }
      if (t[i] === ',') {
        i++;
        continue;
      }
      if (t[i] === '}') {
        i++;
        return out;
      }
      throw new Error(`bad array literal: ${t}`);
    }
  };
  return parse();
}
