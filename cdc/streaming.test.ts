// What a Debezium consumer checks on a live stream, against the real servers.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readTopics } from '../test/support/topics.js';
import { cdcTestEnv, changesOf, dropSlot, eventually, parseChanges, sql, startCapture, type CdcTestEnv, type RunningCapture } from '../test/support/cdc.js';
import { UNAVAILABLE_VALUE } from '../contracts/change-event.js';
import { testStack, freshDatabase, uniqueName } from '../test/support/stack.js';

let env: CdcTestEnv;
let running: RunningCapture;

before(async () => {
  env = await cdcTestEnv();
  await sql(env.DATABASE_URL, `
    create table t (id int primary key, name text, big text);
    create table full_t (id int primary key, name text);
    alter table full_t replica identity full;
    insert into t values (1, 'one', null);`);
  running = await startCapture(env);
});

after(async () => {
  await running?.stop();
  if (env) await dropSlot(env);
});

async function waitFor(table: string, n: number) {
  return eventually(`${n} events on ${table}`, async () => {
    const c = await changesOf(env, table);
    return c.length >= n ? c : undefined;
  });
}

test('insert, update, delete: before/after, tombstone, transaction block and BEGIN/END', async () => {
  await sql(env.DATABASE_URL, `begin; insert into t values (2, 'two', null); update t set name = 'uno' where id = 1; delete from t where id = 2; commit;`);
  const changes = await waitFor('t', 4);
  const live = changes.slice(1);
  assert.deepEqual(live.map((c) => c.value!.op), ['c', 'u', 'd']);
  assert.deepEqual(live[0]!.value!.after, { id: 2, name: 'two', big: null });
  assert.deepEqual(live[1]!.value!.after, { id: 1, name: 'uno', big: null });
  assert.equal(live[1]!.value!.before, null, 'REPLICA IDENTITY DEFAULT sends no old row on update');
  assert.deepEqual(live[2]!.value!.before, { id: 2, name: null, big: null }, 'a delete keeps the key, other columns null');
  const txIds = new Set(live.map((c) => c.value!.transaction!.id));
  assert.equal(txIds.size, 1, 'one transaction');
  assert.deepEqual(live.map((c) => c.value!.transaction!.total_order), [1, 2, 3]);
  assert.equal(live[0]!.value!.source.snapshot, 'false');
  assert.equal(typeof live[0]!.value!.source.txId, 'number');
  // The commit time is the transaction's, in milliseconds since the epoch, near now.
  assert.ok(Math.abs(Number(live[0]!.value!.source.ts_ms) - Date.now()) < 60000);

  const raw = parseChanges(await readTopics(env.KAFKA_BROKERS, [`${env.TOPIC_PREFIX}.public.t`]));
  const tomb = raw.find((c) => c.value === null);
  assert.deepEqual(tomb?.key, { id: 2 }, 'a tombstone follows the delete');

  const txs = parseChanges(await readTopics(env.KAFKA_BROKERS, [`${env.TOPIC_PREFIX}.transaction`])).map((c) => c.value as unknown as Record<string, unknown>);
  const id = [...txIds][0];
  const end = txs.find((t) => t.id === id && t.status === 'END');
  assert.ok(txs.some((t) => t.id === id && t.status === 'BEGIN'));
  assert.equal(end?.event_count, 3);
  assert.deepEqual(end?.data_collections, [{ data_collection: 'public.t', event_count: 3 }]);
});

test('a primary-key change is a delete (with tombstone) and a create, with the keys in headers', async () => {
  const beforeCount = (await changesOf(env, 't')).length;
  await sql(env.DATABASE_URL, `update t set id = 10 where id = 1`);
  const changes = (await waitFor('t', beforeCount + 2)).slice(beforeCount);
  assert.equal(changes[0]!.value!.op, 'd');
  assert.deepEqual(changes[0]!.key, { id: 1 });
  // Debezium's header converter writes keys as {schema, payload} whatever the key converter does.
  const keySchema = { type: 'struct', fields: [{ type: 'int32', optional: false, field: 'id' }], optional: false, name: `${env.TOPIC_PREFIX}.public.t.Key` };
  assert.deepEqual(JSON.parse(changes[0]!.message.headers['__debezium.newkey']!), { schema: keySchema, payload: { id: 10 } });
  assert.equal(changes[1]!.value!.op, 'c');
  assert.deepEqual(changes[1]!.value!.after, { id: 10, name: 'uno', big: null });
  assert.deepEqual(JSON.parse(changes[1]!.message.headers['__debezium.oldkey']!), { schema: keySchema, payload: { id: 1 } });
});

test("an unchanged TOASTed value gives Debezium's placeholder; REPLICA IDENTITY FULL gives it back", async () => {
  const n = (await changesOf(env, 't')).length;
  // Random text does not compress, so 20 kB is stored out of line (TOASTed).
  await sql(env.DATABASE_URL, `insert into t select 20, 'x', string_agg(md5(random()::text), '') from generate_series(1, 600)`);
  await sql(env.DATABASE_URL, `update t set name = 'y' where id = 20`);
  const changes = (await waitFor('t', n + 2)).slice(n);
  assert.equal((changes[0]!.value!.after!.big as string).length, 600 * 32);
  assert.equal(changes[1]!.value!.after!.big, UNAVAILABLE_VALUE);
  assert.equal(changes[1]!.value!.after!.name, 'y');

  await sql(env.DATABASE_URL, `insert into full_t values (1, 'a'); update full_t set name = 'b' where id = 1`);
  const full = await waitFor('full_t', 2);
  assert.deepEqual(full[1]!.value!.before, { id: 1, name: 'a' }, 'REPLICA IDENTITY FULL sends the old row');
});

test('a truncate is an op "t" event', async () => {
  const n = (await changesOf(env, 'full_t')).length;
  await sql(env.DATABASE_URL, `truncate full_t`);
  const changes = (await waitFor('full_t', n + 1)).slice(n);
  assert.equal(changes[0]!.value!.op, 't');
  assert.equal(changes[0]!.value!.after, null);
});

test('a column added with ALTER TABLE appears in the next events; a new table is picked up', async () => {
  const n = (await changesOf(env, 't')).length;
  await sql(env.DATABASE_URL, `alter table t add column score numeric(5,1) default 2.5; insert into t (id, name) values (30, 'after alter')`);
  const changes = (await waitFor('t', n + 1)).slice(n);
  assert.equal(changes[0]!.value!.after!.score, Buffer.from([0x19]).toString('base64'), 'numeric(5,1) 2.5 = unscaled 25');

  await sql(env.DATABASE_URL, `create table later (k text primary key, v int); insert into later values ('a', 1)`);
  const later = await waitFor('later', 1);
  assert.deepEqual(later[0]!.value!.after, { k: 'a', v: 1 });
  assert.deepEqual(later[0]!.key, { k: 'a' });
});

test('every event carries an increasing stream position, and a key stays on one partition', async () => {
  const changes = await changesOf(env, 't');
  const positions = changes.map((c) => c.message.headers['lakehouse.position']!);
  assert.equal(new Set(positions).size, positions.length, 'positions are unique');
  const partitionsOfKey = new Map<string, Set<number>>();
  for (const c of changes) {
    const k = JSON.stringify(c.key);
    if (!partitionsOfKey.has(k)) partitionsOfKey.set(k, new Set());
    partitionsOfKey.get(k)!.add(c.message.partition);
  }
  for (const [k, parts] of partitionsOfKey) assert.equal(parts.size, 1, `key ${k} on one partition`);
});

test('heartbeats move the slot on a quiet database while other databases write WAL', async () => {
  const quiet = await cdcTestEnv({ CDC_HEARTBEAT_INTERVAL_MS: '300' });
  await sql(quiet.DATABASE_URL, `create table q (id int primary key)`);
  const cap = await startCapture(quiet);
  try {
    const stack = await testStack();
    const busy = await freshDatabase(stack, uniqueName('busy'));
    await sql(busy, `create table b (x int); insert into b select generate_series(1, 20000)`);
    const target = (await sql(quiet.DATABASE_URL, 'select pg_current_wal_lsn()::text as l')).rows[0].l as string;
    await eventually('the quiet slot to pass the busy WAL', async () => {
      const r = await sql(quiet.DATABASE_URL, 'select confirmed_flush_lsn >= $1::pg_lsn as ok from pg_replication_slots where slot_name = $2', [target, quiet.CDC_SLOT]);
      return r.rows[0]?.ok === true;
    }, 30000);
    const beats = await eventually('heartbeat records', async () => {
      const m = await readTopics(quiet.KAFKA_BROKERS, [`__debezium-heartbeat.${quiet.TOPIC_PREFIX}`]);
      return m.length > 0 ? m : undefined;
    }, 10000);
    assert.deepEqual(JSON.parse(beats[0]!.key!), { serverName: quiet.TOPIC_PREFIX });
  } finally {
    await cap.stop();
    await dropSlot(quiet);
  }
});

test('each event names its schemas, published on the compacted schema topic before it', async () => {
  const changes = await changesOf(env, 't');
  const ids = new Set(changes.map((c) => c.message.headers['lakehouse.schema']));
  assert.ok(ids.size >= 2, 'the added column gave the table a new schema id');
  const records = new Map((await readTopics(env.KAFKA_BROKERS, [`${env.TOPIC_PREFIX}.schemas`])).map((m) => [m.key, JSON.parse(m.value!)]));
  for (const id of ids) {
    const rec = records.get(id!);
    assert.equal(rec?.table, 'public.t', `schema ${id} is on the schema topic`);
    assert.equal(rec.value.name, `${env.TOPIC_PREFIX}.public.t.Envelope`);
  }
  const last = records.get(changes.at(-1)!.message.headers['lakehouse.schema']!);
  const after = last.value.fields.find((f: { field: string }) => f.field === 'after');
  assert.ok(after.fields.some((f: { field: string; name?: string }) => f.field === 'score' && f.name === 'org.apache.kafka.connect.data.Decimal'));
});

test('one transaction of 200,000 rows streams through a small buffer, every row once', { timeout: 300_000 }, async () => {
  const big = await cdcTestEnv({ CDC_MAX_BUFFERED_MESSAGES: '2000' });
  await sql(big.DATABASE_URL, `create table bulk (id int primary key, v text)`);
  const cap = await startCapture(big);
  try {
    await sql(big.DATABASE_URL, `insert into bulk select g, 'row ' || g from generate_series(1, 200000) g`);
    const changes = await eventually('200,000 rows', async () => {
      const c = await changesOf(big, 'bulk');
      return c.length >= 200000 ? c : undefined;
    }, 240_000);
    assert.equal(changes.length, 200000);
    assert.equal(new Set(changes.map((c) => c.value!.after!.id)).size, 200000);
    assert.equal(new Set(changes.map((c) => c.value!.transaction!.id)).size, 1, 'one transaction');
    assert.equal(changes.at(-1)!.value!.transaction!.total_order, 200000);
  } finally {
    await cap.stop();
    await dropSlot(big);
  }
});
