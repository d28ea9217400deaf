// The source table's columns as Delta columns: the Kafka Connect schema of a change event's row
// (Debezium's logical types) to a Delta type, and each wire value to the lake's value of that type.
// Bronze and silver tables use the same mapping, so a column has one type in every layer.
//
//   Connect / Debezium                         Delta            lake value
//   int16 / int32 / int64                      short/integer/long
//   float / double (float32 / float64)         float / double
//   boolean, string (Json, Uuid, Enum, Xml…)   boolean / string
//   bytes                                      binary
//   Decimal (precision p ≤ 38, scale s)        decimal(p,s)     exact string
//   Decimal without precision, VariableScale   string           exact decimal text
//   io.debezium.time.Date                      date             'YYYY-MM-DD'
//   Timestamp / MicroTimestamp / NanoTimestamp timestamp        µs kept (wall clock read as UTC)
//   ZonedTimestamp                             timestamp        the instant
//   Time / MicroTime / NanoTime / ZonedTime    string           'HH:MM:SS.ffffff'
//   MicroDuration                              long             microseconds
//   array of T                                 array<T>
//
// Values Delta cannot hold are written as null and counted by the caller: ±infinity dates and
// timestamps, NaN in a decimal. An unchanged TOASTed value (the UNAVAILABLE marker) is null in
// the row and its column named in `_toasted`, so silver can keep the value it has.

import type { ConnectSchema } from '../../contracts/change-event.js';
import { decimalText, decodeMicros, decodeValue, UNAVAILABLE, unscaledFromBase64 } from '../../contracts/decode.js';
import type { ColumnSpec, DataType } from '../kernel/schema.js';

export interface SourceColumn {
  spec: ColumnSpec;
  /** Wire JSON value to the lake value; UNAVAILABLE passes through for the caller to record. */
  convert(value: unknown): unknown;
}

/** Delta type of a Connect field, per the table above. */
export function deltaTypeOf(field: ConnectSchema): DataType {
  switch (field.name) {
    case 'io.debezium.time.Date':
    case 'org.apache.kafka.connect.data.Date':
      return 'date';
    case 'io.debezium.time.Timestamp':
    case 'org.apache.kafka.connect.data.Timestamp':
    case 'io.debezium.time.MicroTimestamp':
    case 'io.debezium.time.NanoTimestamp':
    case 'io.debezium.time.ZonedTimestamp':
      return 'timestamp';
    case 'io.debezium.time.Time':
    case 'org.apache.kafka.connect.data.Time':
    case 'io.debezium.time.MicroTime':
    case 'io.debezium.time.NanoTime':
    case 'io.debezium.time.ZonedTime':
      return 'string';
    case 'io.debezium.time.MicroDuration':
      return 'long';
    case 'org.apache.kafka.connect.data.Decimal': {
      const p = Number(field.parameters?.['connect.decimal.precision']);
      const s = Number(field.parameters?.scale ?? 0);
      return Number.isInteger(p) && p >= 1 && p <= 38 && s <= p && s >= 0 ? `decimal(${p},${s})` : 'string';
    }
    case 'io.debezium.data.VariableScaleDecimal':
      return 'string';
  }
  switch (field.type) {
    case 'int8':
      return 'byte';
    case 'int16':
      return 'short';
    case 'int32':
      return 'integer';
    case 'int64':
      return 'long';
    case 'float':
    case 'float32':
      return 'float';
    case 'double':
    case 'float64':
      return 'double';
    case 'boolean':
      return 'boolean';
    case 'bytes':
      return 'binary';
    case 'array':
      return { type: 'array', elementType: field.items ? deltaTypeOf(field.items) : 'string', containsNull: true };
    default:
      // string, and structs or maps no PostgreSQL column produces (kept as their JSON text)
      return 'string';
  }
}

/** The converter from wire JSON to the lake value for a field. */
function converterOf(field: ConnectSchema, type: DataType): (v: unknown) => unknown {
  const name = field.name;
  if (type === 'timestamp') {
    if (name === 'io.debezium.time.ZonedTimestamp') {
      return (v) => {
        const d = decodeValue(v, field);
        return d instanceof Date && !Number.isNaN(d.getTime()) ? d : d === UNAVAILABLE ? UNAVAILABLE : null;
      };
    }
    return (v) => {
      if (v === null || v === undefined) return null;
      const d = decodeValue(v, field);
      if (typeof d === 'number') return null; // ±infinity
      return decodeMicros(v as number, field);
    };
  }
  if (type === 'date') {
    return (v) => {
      const d = decodeValue(v, field);
      return d instanceof Date ? d.toISOString().slice(0, 10) : null;
    };
  }
  if (name === 'io.debezium.data.VariableScaleDecimal') {
    return (v) => {
      if (v === null || v === undefined) return null;
      const x = v as { scale: number; value: string };
      return decimalText(unscaledFromBase64(x.value), Number(x.scale));
    };
  }
  if (typeof type === 'object' && type.type === 'array' && field.items) {
    const item = converterOf(field.items, type.elementType);
    return (v) => (Array.isArray(v) ? v.map(item) : v === undefined ? null : decodeValue(v, field));
  }
  if (type === 'string' && (field.type === 'struct' || field.type === 'map')) {
    return (v) => (v === null || v === undefined ? null : JSON.stringify(v));
  }
  if (type === 'long') {
    // int8 values beyond 2^53 reach here as strings (parseEventJson keeps long digit runs exact).
    return (v) => (v === null || v === undefined ? null : BigInt(v as string | number));
  }
  return (v) => {
    if (v === undefined) return null;
    const d = decodeValue(v, field);
    if (d === UNAVAILABLE) return UNAVAILABLE;
    if (typeof d === 'number' && !Number.isFinite(d) && String(type).startsWith('decimal')) return null;
    return d;
  };
}

/** The source columns of a row schema (the `after`/`before` struct of an envelope schema). */
export function sourceColumns(rowSchema: ConnectSchema): SourceColumn[] {
  return (rowSchema.fields ?? [])
    .filter((f) => f.field !== undefined)
    .map((f) => {
      const type = deltaTypeOf(f);
      return { spec: { name: f.field!, type, nullable: true }, convert: converterOf(f, type) };
    });
}

/** Same type, compared structurally. */
export function sameType(a: DataType, b: DataType): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
