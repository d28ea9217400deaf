// Every PostgreSQL type the capture maps, round-tripped through a real server and broker: the
// snapshot ("r") and the stream ("c") must give the same JSON, and that JSON is Debezium's.
// Expected values were computed independently (Python's datetime and int.to_bytes).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { columnCodec, parseArrayLiteral, unscaledBase64 } from './type-mapping.js';
import { constantDefault } from './catalog.js';
import { cdcTestEnv, changesOf, dropSlot, eventually, sql, startCapture, type CdcTestEnv, type RunningCapture } from '../test/support/cdc.js';

const DDL = `
create type mood as enum ('sad', 'ok', 'happy');
create table all_types (
  id int primary key,
  c_smallint smallint, c_integer integer, c_bigint bigint,
  c_numeric numeric(10,2), c_numeric_neg numeric(10,2), c_numeric_free numeric, c_money money,
  c_real real, c_double double precision, c_bool boolean,
  c_text text, c_varchar varchar(10), c_char char(5),
  c_uuid uuid, c_json json, c_jsonb jsonb, c_bytea bytea,
  c_date date, c_time time, c_time3 time(3), c_timetz timetz,
  c_ts timestamp, c_ts3 timestamp(3), c_tstz timestamptz, c_ts_inf timestamp,
  c_interval interval, c_int_array int[], c_text_array text[], c_enum mood, c_enum_array mood[],
  c_point point, c_range int4range, c_not_null text not null default 'x'
)`;

const VALUES = `(
  32767, -2147483648, 9223372036854775807,
  12345678.91, -1.50, 3.14159, 12.34,
  1.5, 3.141592653589793, true,
  'héllo "quoted" \\ l''apostrophe', 'abc', 'ab',
  'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"a": 1}', '{"b": [1, 2]}', '\\x0102ff',
  '2024-02-29', '13:45:30.123456', '13:45:30.123', '13:45:30+02',
  '2024-02-29 13:45:30.123456', '2024-02-29 13:45:30.123', '2024-02-29 13:45:30.5+02', 'infinity',
  '1 year 2 months 3 days 04:05:06.5', '{1,2,NULL}', '{"a b",c}', 'happy', '{sad,happy}',
  '(1,2)', '[1,5)', 'y')`;

const EXPECTED: Record<string, unknown> = {
  c_smallint: 32767,
  c_integer: -2147483648,
  c_numeric: 'SZYC0w==',
  c_numeric_neg: '/2o=',
  c_numeric_free: { scale: 5, value: 'BMsv' },
  c_money: 'BNI=',
  c_real: 1.5,
  c_double: 3.141592653589793,
  c_bool: true,
  c_text: 'héllo "quoted" \\ l\'apostrophe',
  c_varchar: 'abc',
  c_char: 'ab   ',
  c_uuid: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
  c_json: '{"a": 1}',
  c_jsonb: '{"b": [1, 2]}',
  c_bytea: 'AQL/',
  c_date: 19782,
  c_time: 49530123456,
  c_time3: 49530123,
  c_timetz: '11:45:30Z',
  c_ts: 1709214330123456,
  c_ts3: 1709214330123,
  c_tstz: '2024-02-29T11:45:30.500000Z', // as many fraction digits as the column's precision, as Debezium
  c_ts_inf: 9223372036825200000,
  c_interval: 37091106500000,
  c_int_array: [1, 2, null],
  c_text_array: ['a b', 'c'],
  c_enum: 'happy',
  c_enum_array: ['sad', 'happy'],
  c_point: { x: 1, y: 2, wkb: 'AQEAAAAAAAAAAADwPwAAAAAAAABA', srid: null },
  c_range: '[1,5)',
  c_not_null: 'y',
};

let env: CdcTestEnv;
let running: RunningCapture;

before(async () => {
  env = await cdcTestEnv({ CDC_SCHEMAS_ENABLE: 'true' });
  await sql(env.DATABASE_URL, DDL);
  await sql(env.DATABASE_URL, `insert into all_types values (1, ${VALUES.slice(1)}`);
  running = await startCapture(env);
  await sql(env.DATABASE_URL, `insert into all_types values (2, ${VALUES.slice(1)}`);
});

after(async () => {
  await running?.stop();
  if (env) await dropSlot(env);
});

test('snapshot and streamed rows give the same Debezium JSON for every type', async () => {
  const changes = await eventually('both rows', async () => {
    const c = await changesOf(env, 'all_types');
    return c.length >= 2 ? c : undefined;
  });
  const [snap, live] = changes;
  assert.equal(snap!.value!.op, 'r');
  assert.equal(live!.value!.op, 'c');
  for (const ch of [snap!, live!]) {
    const row = ch.value!.after!;
    for (const [col, want] of Object.entries(EXPECTED)) assert.deepEqual(row[col], want, `${ch.value!.op} ${col}`);
    // int8 must be exact: JSON.parse would round it, so look at the wire text.
    assert.match(ch.message.value!, /"c_bigint":9223372036854775807[,}]/);
  }
});

test('the {schema, payload} form carries Debezium logical type names', async () => {
  const changes = await changesOf(env, 'all_types');
  const value = JSON.parse(changes[0]!.message.value!) as { schema: { fields: { field: string; fields?: { field: string; name?: string; optional: boolean; parameters?: Record<string, string> }[] }[] } };
  const after = value.schema.fields.find((f) => f.field === 'after')!.fields!;
  const byName = Object.fromEntries(after.map((f) => [f.field, f]));
  assert.equal(byName.c_numeric!.name, 'org.apache.kafka.connect.data.Decimal');
  assert.equal(byName.c_numeric!.parameters!.scale, '2');
  assert.equal(byName.c_numeric_free!.name, 'io.debezium.data.VariableScaleDecimal');
  assert.equal(byName.c_date!.name, 'io.debezium.time.Date');
  assert.equal(byName.c_ts!.name, 'io.debezium.time.MicroTimestamp');
  assert.equal(byName.c_ts3!.name, 'io.debezium.time.Timestamp');
  assert.equal(byName.c_tstz!.name, 'io.debezium.time.ZonedTimestamp');
  assert.equal(byName.c_uuid!.name, 'io.debezium.data.Uuid');
  assert.equal(byName.c_jsonb!.name, 'io.debezium.data.Json');
  assert.equal(byName.c_enum!.name, 'io.debezium.data.Enum');
  assert.equal(byName.c_enum!.parameters!.allowed, 'sad,ok,happy');
  assert.equal(byName.c_interval!.name, 'io.debezium.time.MicroDuration');
  assert.equal(byName.c_not_null!.optional, false);
  assert.equal((byName.c_not_null as { default?: unknown }).default, 'x', 'a constant default is declared');
  assert.equal((byName.c_real as { type?: string }).type, 'float', "Kafka Connect's name, not float32");
  assert.equal((byName.c_double as { type?: string }).type, 'double');
  assert.equal(byName.c_point!.name, 'io.debezium.data.geometry.Point');
  assert.equal(byName.c_text!.optional, true);
  const key = JSON.parse(changes[0]!.message.key!) as { schema: { fields: { field: string }[] }; payload: unknown };
  assert.deepEqual(key.payload, { id: 1 });
  assert.deepEqual(key.schema.fields.map((f) => f.field), ['id']);
});

test('decimal.handling.mode double and string', () => {
  const col = { name: 'n', typeOid: 1700, typmod: ((10 << 16) | 2) + 4, typeName: 'numeric', notNull: false };
  assert.equal(columnCodec(col, 'double').encode('12345678.91'), '12345678.91');
  assert.equal(columnCodec(col, 'string').encode('12345678.91'), '"12345678.91"');
  assert.equal(columnCodec(col, 'precise').encode('-0.01'), JSON.stringify(Buffer.from([0xff]).toString('base64')));
});

test('unscaled decimals and array literals', () => {
  assert.equal(unscaledBase64('128', 0), Buffer.from([0x00, 0x80]).toString('base64'));
  assert.equal(unscaledBase64('-128', 0), Buffer.from([0x80]).toString('base64'));
  assert.equal(unscaledBase64('-129', 0), Buffer.from([0xff, 0x7f]).toString('base64'));
  assert.equal(unscaledBase64('0.5', 3), Buffer.from([0x01, 0xf4]).toString('base64'));
  assert.deepEqual(parseArrayLiteral('{{1,2},{3,NULL}}'), [['1', '2'], ['3', null]]);
  assert.deepEqual(parseArrayLiteral('{"a\\"b","NULL",""}'), ['a"b', 'NULL', '']);
  assert.deepEqual(parseArrayLiteral('{}'), []);
});

test('a multi-dimensional column is declared as deep as its dimensions, and every value fits it', () => {
  const matrix = columnCodec({ name: 'm', typeOid: 1007, typmod: -1, typeName: '_int4', notNull: false, dimensions: 2 }, 'precise');
  assert.deepEqual(matrix.schema, { type: 'array', optional: true, items: { type: 'array', optional: true, items: { type: 'int32', optional: true } }, field: 'm' });
  assert.equal(matrix.encode('{{1,2},{3,NULL}}'), '[[1,2],[3,null]]');
  assert.equal(matrix.encode('{1,2}'), '[[1,2]]', 'a shallower value is nested');
  assert.equal(matrix.encode('{{{1},{2}},{{3},{4}}}'), '[[1,2],[3,4]]', 'a deeper one is flattened below the declared depth');
  assert.equal(matrix.encode('{}'), '[]');
  const list = columnCodec({ name: 'l', typeOid: 1007, typmod: -1, typeName: '_int4', notNull: false }, 'precise');
  assert.equal(list.schema.items!.type, 'int32');
  assert.equal(list.encode('{{1,2},{3,4}}'), '[1,2,3,4]', 'a 2-D value in an int[] column keeps its elements');
});

test('constant defaults are read from the catalog expression; computed ones are not', () => {
  assert.equal(constantDefault(`'x'::text`), 'x');
  assert.equal(constantDefault(`'it''s'::character varying`), "it's");
  assert.equal(constantDefault('42'), '42');
  assert.equal(constantDefault('(-1)'), '-1');
  assert.equal(constantDefault('true'), 't');
  assert.equal(constantDefault('NULL::text'), null);
  assert.equal(constantDefault('now()'), undefined);
  assert.equal(constantDefault(`nextval('s'::regclass)`), undefined);
  assert.equal(constantDefault(`'a'::text || 'b'::text`), undefined);
  const col = { name: 'n', typeOid: 23, typmod: -1, typeName: 'int4', notNull: true, defaultText: '42' };
  const codec = columnCodec(col, 'precise');
  assert.equal(codec.schema.default, 42);
  assert.equal(codec.encode(null), '42', 'a required column missing from a key-only image takes its default');
  assert.equal(columnCodec({ ...col, defaultText: undefined }, 'precise').encode(null), '0', 'or its type\'s zero, as Debezium');
});

test('an unknown type is passed as text with a warning, never a crash', async () => {
  const changes = await changesOf(env, 'all_types');
  assert.equal(changes[1]!.value!.after!.c_range, '[1,5)');
  const { cdcUnknownTypeColumnsTotal } = await import('../monitoring/metrics.js');
  const v = (await cdcUnknownTypeColumnsTotal.get()).values.find((x) => x.labels.column === 'c_range');
  assert.ok(v && v.value >= 1, 'the unknown column is counted');
});
