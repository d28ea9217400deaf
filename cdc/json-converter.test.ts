// Conformance with Kafka Connect: every event the capture writes for a schema of every type it maps
// (cdc/testing/every-type.ts: snapshot, inserts, updates, a key change, deletes, TOAST, tables
// without a primary key, a default added mid-stream), and every transaction record, goes through
// Kafka Connect's own JsonConverter (connect-json 3.9.1, contracts/testing/json-converter.ts) as a
// Debezium sink's worker would read it, with schemas.enable on and off. Every record must convert,
// and the Connect values a sink gets must be the right ones (a real column is a Float, a numeric a
// BigDecimal, a matrix a list of lists of Integers, a keyless table's key null).
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { EVERY_TYPE_DDL, EVERY_TYPE_TABLES, everyTypeInitialRows, everyTypeWorkload } from './testing/every-type.js';
import { convertWithJsonConverter, type ConnectResult, type Converted } from '../contracts/testing/json-converter.js';
import { cdcTestEnv, dropSlot, eventually, sql, startCapture, type CdcTestEnv } from '../test/support/cdc.js';
import { testStack } from '../test/support/stack.js';
import { readTopics, testKafka, type ReadMessage } from '../test/support/topics.js';

/** Transactions of the workload that change a captured row (the ALTER TABLE changes none). */
const WORKLOAD_TRANSACTIONS = everyTypeWorkload().filter((s) => !s.startsWith('alter')).length;

interface Converted2 {
  message: ReadMessage;
  result: ConnectResult;
  /** The record as the capture wrote it (payload when {schema, payload}). */
  wire: { key: unknown; value: Record<string, unknown> | null };
}

async function cleanup(env: CdcTestEnv): Promise<void> {
  await dropSlot(env);
  const kafka = testKafka(env.KAFKA_BROKERS);
  const admin = kafka.admin();
  await admin.connect();
  try {
    const mine = (await admin.listTopics()).filter((t) => t.startsWith(`${env.TOPIC_PREFIX}.`));
    if (mine.length) await admin.deleteTopics({ topics: mine });
  } finally {
    await admin.disconnect();
  }
  const stack = await testStack();
  const c = new pg.Client({ connectionString: stack.DATABASE_URL });
  await c.connect();
  await c.query(`drop database if exists ${pg.escapeIdentifier(new URL(env.DATABASE_URL).pathname.slice(1))} with (force)`).catch(() => undefined);
  await c.end();
}

const payloadOf = (text: string | null): unknown => {
  if (text === null) return null;
  const v = JSON.parse(text) as Record<string, unknown>;
  return v && typeof v === 'object' && 'schema' in v && 'payload' in v ? v.payload : v;
};

async function captureAndConvert(t: TestContext, schemas: boolean): Promise<Converted2[]> {
  const env = await cdcTestEnv({ CDC_SCHEMAS_ENABLE: String(schemas) });
  let stop: (() => Promise<void>) | undefined;
  t.after(async () => {
    await stop?.();
    await cleanup(env);
  });
  await sql(env.DATABASE_URL, EVERY_TYPE_DDL);
  for (const s of everyTypeInitialRows()) await sql(env.DATABASE_URL, s);
  const running = await startCapture(env);
  stop = running.stop;
  for (const s of everyTypeWorkload()) await sql(env.DATABASE_URL, s);
  const topics = [...EVERY_TYPE_TABLES.map((tb) => `${env.TOPIC_PREFIX}.public.${tb}`), `${env.TOPIC_PREFIX}.transaction`];
  const messages = await eventually(
    'every transaction of the workload on the transaction topic',
    async () => {
      const all = await readTopics(env.KAFKA_BROKERS, topics);
      const ends = all.filter((m) => m.topic.endsWith('.transaction') && (payloadOf(m.value) as { status?: string }).status === 'END');
      return ends.length >= WORKLOAD_TRANSACTIONS ? all : undefined;
    },
    180_000,
  );
  messages.sort((a, b) => (a.topic === b.topic ? (a.headers['lakehouse.position']! < b.headers['lakehouse.position']! ? -1 : 1) : a.topic < b.topic ? -1 : 1));
  const results = await convertWithJsonConverter(messages.map((m) => ({ topic: m.topic, schemas, key: m.key, value: m.value, headers: m.headers })));
  return messages.map((message, i) => ({ message, result: results[i]!, wire: { key: payloadOf(message.key), value: payloadOf(message.value) as Record<string, unknown> | null } }));
}

function ok(c: Converted, what: string): { schema: unknown; value: unknown } {
  assert.equal(c.error, undefined, `${what}: JsonConverter refused it: ${c.error}`);
  return c as { schema: unknown; value: unknown };
}

/** Every key, value and header converts: the guarantee a sink needs. */
function assertAllConvert(records: Converted2[]): void {
  assert.ok(records.length > 40, `the workload made ${records.length} records`);
  for (const r of records) {
    const where = `${r.message.topic} offset ${r.message.offset} (${r.message.value?.slice(0, 120)})`;
    ok(r.result.key, `key of ${where}`);
    ok(r.result.value, `value of ${where}`);
    for (const [name, h] of Object.entries(r.result.headers)) {
      ok(h.simple, `header ${name} of ${where} through SimpleHeaderConverter`);
      if (name.startsWith('__debezium.')) ok(h.json, `header ${name} of ${where} through JsonConverter`);
    }
  }
}

type Struct = Record<string, unknown>;

function find(records: Converted2[], table: string, op: string, id?: number): Converted2 {
  const r = records.find((x) => x.message.topic.endsWith(`.public.${table}`) && x.wire.value?.op === op && (id === undefined || ((x.wire.value.after ?? x.wire.value.before) as Struct).id === id));
  assert.ok(r, `a ${op} event of ${table}${id === undefined ? '' : ` id ${id}`}`);
  return r;
}

const connectValue = (c: Converted): Struct => ok(c, 'record').value as Struct;

test('every event and transaction record converts with JsonConverter (schemas.enable=true), to the right Connect values', { timeout: 400_000 }, async (t) => {
  const records = await captureAndConvert(t, true);
  assertAllConvert(records);

  for (const [op, id] of [['r', 1], ['c', 11]] as const) {
    const ev = find(records, 'every_type', op, id);
    const after = connectValue(ev.result.value).after as Struct;
    assert.deepEqual(after.c_real, { Float: '1.5' }, `${op}: real is a Float`);
    assert.deepEqual(after.c_double, { Double: '3.141592653589793' }, `${op}: double precision is a Double`);
    assert.deepEqual(after.c_bigint, { Long: '9223372036854775807' });
    assert.deepEqual(after.c_smallint, { Short: '32767' });
    assert.deepEqual(after.c_numeric, { BigDecimal: '12345678.91' });
    assert.deepEqual(after.c_money, { BigDecimal: '12.34' });
    assert.deepEqual(after.c_bytea, { bytes: 'AQL/' });
    assert.deepEqual(after.c_date, { Integer: '19782' });
    assert.deepEqual(after.c_ts, { Long: '1709214330123456' });
    assert.equal(after.c_tstz, '2024-02-29T11:45:30.500000Z');
    assert.deepEqual(after.c_int_array, [{ Integer: '1' }, { Integer: '2' }, null]);
    // The matrix is a list of lists (Debezium declares array<int32> and JsonConverter reads [0, 0]).
    assert.deepEqual(after.c_int_matrix, [[{ Integer: '1' }, { Integer: '2' }], [{ Integer: '3' }, { Integer: '4' }]]);
    assert.deepEqual(after.c_numeric_array, [{ BigDecimal: '1.50' }, { BigDecimal: '-2.25' }]);
    assert.deepEqual(after.c_enum_array, ['sad', 'happy']);
    assert.deepEqual(after.c_point, { x: { Double: '1.0' }, y: { Double: '2.0' }, wkb: { bytes: 'AQEAAAAAAAAAAADwPwAAAAAAAABA' }, srid: null });
    assert.deepEqual(connectValue(ev.result.key), { id: { Integer: String(id) } });
    const source = connectValue(ev.result.value).source as Struct;
    assert.equal(source.origin, null);
    assert.equal(source.origin_lsn, null);
  }
  // A deeper value than the column declares keeps every element, flattened below the declared depth.
  const edge = connectValue(find(records, 'every_type', 'c', 13).result.value).after as Struct;
  assert.deepEqual(edge.c_int_matrix, [[{ Integer: '1' }, { Integer: '2' }], [{ Integer: '3' }, { Integer: '4' }]]);
  assert.deepEqual(edge.c_date, { Integer: '-622191234' }, "date 'infinity' as Debezium 3.6 writes it");

  // A delete under REPLICA IDENTITY DEFAULT: required columns hold their default, or zero, as Debezium's.
  const del = connectValue(find(records, 'every_type', 'd', 13).result.value).before as Struct;
  assert.deepEqual(del.id, { Integer: '13' });
  assert.equal(del.c_required, 'x');
  assert.deepEqual(del.c_notnull, { Integer: '0' });
  assert.equal(del.c_text, null);

  // The key change: delete with the new key, its tombstone with it too, create with the old key.
  const keyChange = records.filter((r) => r.message.headers['__debezium.newkey'] !== undefined || r.message.headers['__debezium.oldkey'] !== undefined);
  assert.equal(keyChange.length, 3, 'delete, tombstone and create carry key headers');
  for (const r of keyChange) {
    const [name, h] = Object.entries(r.result.headers).find(([n]) => n.startsWith('__debezium.'))!;
    assert.deepEqual(ok(h.json, name).value, { id: { Integer: name.endsWith('newkey') ? '22' : '12' } }, `${name} on ${r.wire.value?.op ?? 'tombstone'}`);
  }

  // The default added mid-stream is declared from the next event on.
  const added = find(records, 'every_type', 'c', 14);
  const afterSchema = (ok(added.result.value, 'c 14').schema as { fields: { field: string; fields?: { field: string; default?: unknown }[] }[] }).fields.find((f) => f.field === 'after')!;
  assert.deepEqual(afterSchema.fields!.find((f) => f.field === 'c_added')!.default, { Integer: '42' });
  assert.equal(afterSchema.fields!.find((f) => f.field === 'c_added_text')!.default, 'dflt');
  assert.deepEqual((connectValue(added.result.value).after as Struct).c_added, { Integer: '42' });

  // A table without a primary key under REPLICA IDENTITY FULL: null keys, one update with both images.
  const keyless = records.filter((r) => r.message.topic.endsWith('.public.keyless_full'));
  assert.deepEqual(keyless.map((r) => (r.wire.value ? String(r.wire.value.op) : 'tombstone')), ['r', 'c', 'c', 'u', 'd', 'tombstone']);
  for (const r of keyless) assert.deepEqual(ok(r.result.key, 'keyless key'), { schema: null, value: null });
  const update = connectValue(keyless[3]!.result.value);
  assert.deepEqual(update.before, { a: { Integer: '1' }, b: 'one' });
  assert.deepEqual(update.after, { a: { Integer: '1' }, b: 'uno' });

  // Transaction records are {schema, payload} too, and name the transaction the events name.
  const txs = records.filter((r) => r.message.topic.endsWith('.transaction'));
  const end = txs.map((r) => connectValue(r.result.value)).find((v) => v.status === 'END' && v.id === (connectValue(find(records, 'keyless_full', 'u').result.value).transaction as Struct).id);
  assert.ok(end, 'the END record of the keyless update has its events\' transaction id');
  assert.deepEqual(end.event_count, { Long: '1' });
  assert.deepEqual(end.data_collections, [{ data_collection: 'public.keyless_full', event_count: { Long: '1' } }]);
});

test('every event and transaction record converts with JsonConverter (schemas.enable=false)', { timeout: 400_000 }, async (t) => {
  const records = await captureAndConvert(t, false);
  assertAllConvert(records);
  const after = connectValue(find(records, 'every_type', 'c', 11).result.value).after as Struct;
  assert.deepEqual(after.c_int_matrix, [[{ Long: '1' }, { Long: '2' }], [{ Long: '3' }, { Long: '4' }]]);
  assert.deepEqual(after.c_real, { Double: '1.5' });
  assert.deepEqual(connectValue(find(records, 'every_type', 'c', 11).result.key), { id: { Long: '11' } });
  for (const r of records.filter((x) => x.message.topic.endsWith('.public.keyless_full'))) assert.deepEqual(ok(r.result.key, 'keyless key'), { schema: null, value: null });
  // Headers are {schema, payload} whatever the key and value converters say, as Debezium's.
  const oldKey = records.find((r) => r.message.headers['__debezium.oldkey'] !== undefined)!;
  assert.deepEqual(ok(oldKey.result.headers['__debezium.oldkey']!.json, 'oldkey').value, { id: { Integer: '12' } });
});
