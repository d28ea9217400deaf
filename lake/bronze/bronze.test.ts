// Bronze on the real servers: what a user finds in bronze/<schema>/<table> after inserts, updates,
// deletes, a truncate and an added column; where poison messages and an impossible type change go;
// and that delta-rs reads the same table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cdcTestEnv, dropSlot, eventually, sql, startCapture } from '../../test/support/cdc.js';
import { lakeEnv, startBronze, tableRows, tempLake } from '../../test/support/pipeline.js';
import { readTopics, testKafka } from '../../test/support/topics.js';
import { deltalakeRead } from '../testing/deltalake-oracle.js';
import { DeltaTable } from '../index.js';
import { join } from 'node:path';

test('every change lands once in bronze, typed, with its metadata; delta-rs reads the same table', { timeout: 180_000 }, async () => {
  const env = await cdcTestEnv();
  const lake = tempLake();
  await sql(env.DATABASE_URL, `create table orders (id bigint primary key, customer text not null, qty int, price numeric(10,2), placed_at timestamptz,
    due date, paid boolean, tags text[], big bigint, ratio double precision)`);
  await sql(env.DATABASE_URL, `insert into orders values (1, 'Zoé d''Arc', 2, 19.90, '2024-11-14 10:00:00.123456+00', '2024-12-01', true, '{a,b}', 9007199254740993, 0.5)`);
  const capture = await startCapture(env);
  const wenv = lakeEnv(env, lake.root);
  const bronze = await startBronze(wenv);
  try {
    await sql(env.DATABASE_URL, `insert into orders (id, customer, qty) values (2, 'Bob', 1)`);
    await sql(env.DATABASE_URL, `update orders set qty = 5, paid = false where id = 1`);
    await sql(env.DATABASE_URL, `delete from orders where id = 2`);
    await sql(env.DATABASE_URL, `alter table orders add column channel text`);
    await sql(env.DATABASE_URL, `insert into orders (id, customer, channel) values (3, 'Chloé', 'web')`);
    await sql(env.DATABASE_URL, `truncate orders`);

    const rows = await eventually('six changes in bronze', async () => {
      const r = await tableRows(lake.root, 'bronze/public/orders');
      return r.length >= 6 ? r : undefined;
    });
    rows.sort((a, b) => String(a._position).localeCompare(String(b._position)));
    assert.deepEqual(rows.map((r) => `${r._op}:${r.id}`), ['r:1', 'c:2', 'u:1', 'd:2', 'c:3', 't:null'], 'one row per change, in change order');
    const [snap, , upd, del, ins, trunc] = rows;
    assert.equal(snap!.customer, "Zoé d'Arc");
    assert.equal(snap!.price, '19.90');
    assert.equal((snap!.placed_at as Date).toISOString(), '2024-11-14T10:00:00.123Z');
    assert.equal(snap!.due, '2024-12-01');
    assert.deepEqual(snap!.tags, ['a', 'b']);
    assert.equal(snap!.big, 9007199254740993n, 'an int8 beyond 2^53 keeps every digit');
    assert.equal(snap!._snapshot, true);
    assert.equal(upd!.qty, 5);
    assert.equal(upd!.paid, false);
    assert.equal(upd!._snapshot, false);
    assert.equal(typeof upd!._lsn, 'bigint');
    assert.equal(typeof upd!._tx_id, 'bigint');
    assert.ok(upd!._source_ts instanceof Date && upd!._ingested_at instanceof Date);
    assert.ok((upd!._ingested_at as Date).getTime() >= (upd!._source_ts as Date).getTime() - 1000);
    assert.equal(del!.id, 2n, 'a delete keeps its before image (the key under REPLICA IDENTITY DEFAULT)');
    assert.equal(ins!.channel, 'web', 'a column added at the source appears in bronze');
    assert.equal(snap!.channel, null, 'earlier rows read it as null');
    assert.equal(trunc!.customer, null);
    for (const r of rows) {
      assert.equal(r._topic, `${env.TOPIC_PREFIX}.public.orders`);
      assert.equal(r._ingest_date, (r._ingested_at as Date).toISOString().slice(0, 10));
    }
    const table = await DeltaTable.open(lake.root, 'bronze/public/orders');
    assert.deepEqual(table.partitionColumns, ['_ingest_date']);

    // delta-rs reads the same rows (by position and op) and the same schema
    const [theirs] = deltalakeRead([{ path: join(lake.root, 'bronze/public/orders'), rows: true }]);
    assert.ok(!theirs!.error, theirs!.error);
    assert.equal(theirs!.version, table.version);
    const theirRows = (theirs!.rows as Array<Record<string, unknown>>).map((r) => `${r._position}:${r._op}:${r.id ?? 'null'}`).sort();
    assert.deepEqual(theirRows, rows.map((r) => `${r._position}:${r._op}:${r.id === null ? 'null' : String(r.id)}`).sort());
    assert.deepEqual(theirs!.schema.fields.map((f) => f.name), table.schema.fields.map((f) => f.name));
  } finally {
    await bronze.stop();
    await capture.stop();
    await dropSlot(env);
    lake.remove();
  }
});

test('poison messages and an impossible type change go to the dead-letter topic, and bronze goes on', { timeout: 180_000 }, async () => {
  const env = await cdcTestEnv();
  const lake = tempLake();
  await sql(env.DATABASE_URL, 'create table kv (id int primary key, v int)');
  const capture = await startCapture(env);
  const bronze = await startBronze(lakeEnv(env, lake.root));
  const topic = `${env.TOPIC_PREFIX}.public.kv`;
  const producer = testKafka(env.KAFKA_BROKERS).producer();
  await producer.connect();
  try {
    await sql(env.DATABASE_URL, 'insert into kv values (1, 1)');
    await eventually('the first row', async () => (await tableRows(lake.root, 'bronze/public/kv')).length === 1 || undefined);
    await producer.send({
      topic,
      messages: [
        { key: '{"id":99}', value: 'this is not json {' },
        { key: '{"id":98}', value: '{"hello":"world"}' },
        { key: '{"id":97}', value: JSON.stringify({ op: 'c', before: null, after: { id: 97, v: 1 }, source: { schema: 'public', table: 'kv' } }), headers: { 'lakehouse.schema': 'no-such-schema' } },
      ],
    });
    await sql(env.DATABASE_URL, 'insert into kv values (2, 2)');
    // int → text: the bronze column stays an integer, so these events cannot be held
    await sql(env.DATABASE_URL, 'alter table kv alter column v type text');
    await sql(env.DATABASE_URL, "insert into kv values (3, 'three')");
    await sql(env.DATABASE_URL, 'alter table kv add column w int');

    const letters = await eventually('four dead letters', async () => {
      const m = await readTopics(env.KAFKA_BROKERS, [`${env.TOPIC_PREFIX}.dlq`]);
      return m.length >= 4 ? m : undefined;
    }, 90_000);
    const reasons = letters.map((l) => l.headers['lakehouse.dlq.reason']).sort();
    assert.deepEqual(reasons, ['not-a-change-event', 'not-json', 'type-change', 'unknown-schema']);
    const notJson = letters.find((l) => l.headers['lakehouse.dlq.reason'] === 'not-json')!;
    assert.equal(notJson.value, 'this is not json {', 'the original value is kept');
    assert.equal(notJson.key, '{"id":99}');
    assert.equal(notJson.headers['__connect.errors.topic'], topic);
    assert.match(notJson.headers['__connect.errors.offset']!, /^\d+$/);
    const typeChange = letters.find((l) => l.headers['lakehouse.dlq.reason'] === 'type-change')!;
    assert.match(typeChange.headers['__connect.errors.exception.message']!, /column public\.kv\.v changed type from "integer" to "string"/);
    const rows = await eventually('rows 1 and 2 in bronze', async () => {
      const r = await tableRows(lake.root, 'bronze/public/kv');
      return r.length >= 2 ? r : undefined;
    });
    assert.deepEqual(rows.map((r) => r.id).sort(), [1, 2], 'the good changes all landed; no poison row reached bronze');
  } finally {
    await producer.disconnect();
    await bronze.stop();
    await capture.stop();
    await dropSlot(env);
    lake.remove();
  }
});

test('a dead letter sent by a writer killed before its bronze commit is not sent again by the next writer', { timeout: 180_000 }, async () => {
  const env = await cdcTestEnv();
  const lake = tempLake();
  await sql(env.DATABASE_URL, 'create table kv (id int primary key, v int)');
  const capture = await startCapture(env);
  const topic = `${env.TOPIC_PREFIX}.public.kv`;
  const dlq = `${env.TOPIC_PREFIX}.dlq`;
  const kafka = testKafka(env.KAFKA_BROKERS);
  const producer = kafka.producer();
  const admin = kafka.admin();
  await producer.connect();
  await admin.connect();
  let bronze: Awaited<ReturnType<typeof startBronze>> | undefined;
  try {
    await sql(env.DATABASE_URL, 'insert into kv values (1, 1)');
    await eventually('the change topic', async () => (await readTopics(env.KAFKA_BROKERS, [topic])).length >= 1 || undefined);
    // Two poison messages on one partition (same key), then what the killed writer left behind:
    // the first one's letter in the dead-letter topic, and no bronze commit or offset for either.
    const [first] = await producer.send({ topic, messages: [{ key: '{"id":99}', value: 'poison one' }] });
    const [second] = await producer.send({ topic, messages: [{ key: '{"id":99}', value: 'poison two' }] });
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: dlq, numPartitions: 3 }] });
    await producer.send({
      topic: dlq,
      messages: [{
        key: '{"id":99}',
        value: 'poison one',
        headers: { '__connect.errors.topic': topic, '__connect.errors.partition': String(first!.partition), '__connect.errors.offset': first!.baseOffset!, 'lakehouse.dlq.reason': 'not-json' },
      }],
    });

    bronze = await startBronze(lakeEnv(env, lake.root));
    await sql(env.DATABASE_URL, 'insert into kv values (2, 2)');
    // The second letter comes in the batch of the first poison message or after it: once it is
    // there, a repeat of the first would be too.
    await eventually('the second poison message dead-lettered', async () => {
      const m = await readTopics(env.KAFKA_BROKERS, [dlq]);
      return m.some((l) => l.value === 'poison two') || undefined;
    }, 90_000);
    await eventually('rows 1 and 2 in bronze', async () => (await tableRows(lake.root, 'bronze/public/kv')).length >= 2 || undefined);
    const letters = await readTopics(env.KAFKA_BROKERS, [dlq]);
    assert.deepEqual(
      letters.map((l) => `${l.headers['__connect.errors.offset']}:${l.value}`).sort(),
      [`${first!.baseOffset}:poison one`, `${second!.baseOffset}:poison two`].sort(),
      'each poison message once in the dead-letter topic',
    );
    const sent = letters.find((l) => l.value === 'poison two')!;
    assert.equal(sent.headers['lakehouse.dlq.reason'], 'not-json');
    assert.equal(sent.headers['__connect.errors.partition'], String(second!.partition));
    assert.deepEqual((await tableRows(lake.root, 'bronze/public/kv')).map((r) => r.id).sort(), [1, 2]);
  } finally {
    await bronze?.stop();
    await producer.disconnect();
    await admin.disconnect();
    await capture.stop();
    await dropSlot(env);
    lake.remove();
  }
});
