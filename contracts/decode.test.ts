// decodeRow against the capture's own encoders: each PostgreSQL text value goes through
// cdc/type-mapping.ts (what the capture writes) and must come back as the plain value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { columnCodec, type ColumnInfo } from '../cdc/type-mapping.js';
import { buildShape, rowJson } from '../cdc/envelope.js';
import type { ConnectSchema } from './change-event.js';
import { decodeRow, decodeValue, decimalText, rowSchemaOf, UNAVAILABLE, unscaledFromBase64 } from './decode.js';

const col = (name: string, typeOid: number, typmod = -1, extra: Partial<ColumnInfo> = {}): ColumnInfo => ({ name, typeOid, typmod, typeName: '', notNull: false, ...extra });
const numericTypmod = (p: number, s: number) => ((p << 16) | s) + 4;

function roundTrip(c: ColumnInfo, text: string | null | undefined, opts: Parameters<typeof decodeValue>[2] = {}): unknown {
  const codec = columnCodec(c, 'precise');
  return decodeValue(JSON.parse(codec.encode(text)), codec.schema, opts);
}

test('decimals: Connect Decimal and VariableScaleDecimal come back exact, as strings or numbers', () => {
  const n10_2 = col('gross_salary', 1700, numericTypmod(10, 2));
  assert.equal(roundTrip(n10_2, '45230.50'), '45230.50');
  assert.equal(roundTrip(n10_2, '-0.05'), '-0.05');
  assert.equal(roundTrip(n10_2, '0.00'), '0.00');
  assert.equal(roundTrip(n10_2, '12345678.99', { decimals: 'number' }), 12345678.99);
  const n10_1 = col('distance_m', 1700, numericTypmod(10, 1));
  assert.equal(roundTrip(n10_1, '10800.0'), '10800.0');
  assert.equal(roundTrip(n10_1, '127.9'), '127.9');
  assert.equal(roundTrip(n10_1, '-128.0'), '-128.0');
  const free = col('x', 1700);
  assert.equal(roundTrip(free, '123456789012345678901234567890.123456789'), '123456789012345678901234567890.123456789');
  assert.equal(roundTrip(free, '-42'), '-42');
  assert.equal(roundTrip(free, 'NaN'), null);
  assert.equal(roundTrip(col('m', 790), '$1,234.56'), '1234.56');
  assert.equal(unscaledFromBase64(Buffer.from([0xff]).toString('base64')), -1n);
  assert.equal(unscaledFromBase64(Buffer.from([0x00, 0x80]).toString('base64')), 128n);
  assert.equal(decimalText(5n, 3), '0.005');
  assert.equal(decimalText(-5n, 0), '-5');
});

test('dates, timestamps and times become Dates and clock strings', () => {
  assert.deepEqual(roundTrip(col('birth_date', 1082), '1987-03-14'), new Date('1987-03-14T00:00:00Z'));
  assert.deepEqual(roundTrip(col('d', 1082), '1960-12-31'), new Date('1960-12-31T00:00:00Z'));
  assert.equal(roundTrip(col('d', 1082), 'infinity'), Infinity);
  assert.equal(roundTrip(col('d', 1082), '-infinity'), -Infinity);
  // Debezium 3.6 streams date 'infinity' as -2147472692 (its snapshot gives -622191234, as ours).
  assert.equal(decodeValue(-2147472692, { type: 'int32', optional: true, name: 'io.debezium.time.Date' }), Infinity);
  assert.equal(decodeValue(2147483647, { type: 'int32', optional: true, name: 'io.debezium.time.Date' }), Infinity, 'what the capture wrote before');
  assert.deepEqual(roundTrip(col('start_time', 1184), '2025-06-01 07:30:15.25+00'), new Date('2025-06-01T07:30:15.250Z'));
  assert.equal(roundTrip(col('t', 1184), '-infinity'), -Infinity);
  assert.deepEqual(roundTrip(col('ts', 1114), '2025-06-01 07:30:15.123456'), new Date('2025-06-01T07:30:15.123Z'));
  assert.deepEqual(roundTrip(col('ts', 1114), '1969-12-31 23:59:59.9995'), new Date('1969-12-31T23:59:59.999Z'));
  assert.deepEqual(roundTrip(col('ts3', 1114, 3), '2025-06-01 07:30:15.123'), new Date('2025-06-01T07:30:15.123Z'));
  assert.equal(roundTrip(col('ts', 1114), 'infinity'), Infinity);
  assert.equal(roundTrip(col('ts3', 1114, 3), '-infinity'), -Infinity);
  assert.equal(roundTrip(col('tm', 1083), '07:05:09.5'), '07:05:09.5');
  assert.equal(roundTrip(col('tm3', 1083, 3), '23:59:59.125'), '23:59:59.125');
  assert.equal(roundTrip(col('tz', 1266), '10:00:00+02'), '08:00:00Z');
  assert.equal(roundTrip(col('iv', 1186), 'PT1H2M3.5S'), 3723500000);
});

test('other types: bytes to Buffer, floats, arrays, json and uuid as strings, unavailable TOAST marked', () => {
  assert.deepEqual(roundTrip(col('b', 17), '\\x00ff10'), Buffer.from([0, 255, 16]));
  assert.equal(roundTrip(col('f', 701), 'NaN'), NaN);
  assert.equal(roundTrip(col('f', 701), '1.5'), 1.5);
  assert.deepEqual(roundTrip(col('a', 1007), '{1,NULL,3}'), [1, null, 3]);
  assert.deepEqual(roundTrip(col('ad', 1182), '{2025-01-02}'), [new Date('2025-01-02T00:00:00Z')]);
  assert.equal(roundTrip(col('j', 3802), '{"a": 1}'), '{"a": 1}');
  assert.equal(roundTrip(col('s', 25), "D'Almeida Hélène"), "D'Almeida Hélène");
  assert.equal(roundTrip(col('s', 25), undefined), UNAVAILABLE);
  assert.equal(roundTrip(col('b', 17), undefined), UNAVAILABLE);
  assert.equal(roundTrip(col('i', 20), '9007199254740991'), 9007199254740991);
  assert.equal(roundTrip(col('n', 23), null), null);
});

test('a whole activities row through the capture\'s envelope shape', () => {
  const columns: ColumnInfo[] = [
    col('activity_id', 20, -1, { notNull: true }), col('employee_id', 23), col('start_time', 1184), col('sport_type', 25),
    col('distance_m', 1700, numericTypmod(10, 1)), col('elapsed_s', 23), col('end_time', 1184), col('comment', 25),
  ];
  const shape = buildShape('public', 'activities', columns, ['activity_id'], { prefix: 'p', database: 'db', decimalHandling: 'precise', schemasEnable: true });
  const envelope = JSON.parse(shape.envelopeSchemaJson) as ConnectSchema;
  const row = JSON.parse(rowJson(shape, ['7', '42', '2025-06-01 07:30:00+00', 'Runing', '10800.0', '2760', '2025-06-01 08:16:00+00', null])) as Record<string, unknown>;
  assert.deepEqual(decodeRow(row, rowSchemaOf(envelope, 'after')), {
    activity_id: 7, employee_id: 42, start_time: new Date('2025-06-01T07:30:00Z'), sport_type: 'Runing', distance_m: '10800.0',
    elapsed_s: 2760, end_time: new Date('2025-06-01T08:16:00Z'), comment: null,
  });
  assert.equal(decodeRow(null, rowSchemaOf(envelope)), null);
  // Without a schema nothing can be typed: the row comes back as it is.
  assert.deepEqual(decodeRow(row, undefined), row);
});
