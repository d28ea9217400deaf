// The slot is never confirmed past what the broker holds: with the broker killed mid-run, the
// slot's confirmed LSN stays before every change made during the outage, and after the broker is
// back every change arrives, once, in order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kafkaDown, kafkaUp } from '../stack/kafka.js';
import { cdcTestEnv, dropSlot, eventually, parseChanges, sql, startCapture } from '../test/support/cdc.js';
import { readTopics } from '../test/support/topics.js';
import { describeChange, KvWorkload } from '../test/support/workload.js';

test('a broker outage holds the slot back and loses nothing', { timeout: 300_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kafka-outage-'));
  const broker = { dir, port: 29192, controllerPort: 29193, heap: '384m' };
  const quiet = () => undefined;
  await kafkaUp(broker, quiet);
  const env = await cdcTestEnv({ KAFKA_BROKERS: `127.0.0.1:${broker.port}` });
  const work = new KvWorkload(env.DATABASE_URL);
  await work.open();
  const cap = await startCapture(env);
  const topic = `${env.TOPIC_PREFIX}.public.kv`;
  const countInTopic = async () => parseChanges(await readTopics(env.KAFKA_BROKERS, [topic])).filter((c) => c.value !== null).length;
  try {
    while (work.expected.changes < 2000) await work.transaction(10);
    await eventually('the first changes on the broker', async () => (await countInTopic()) >= work.expected.changes, 60_000);

    await kafkaDown(broker, quiet, 'SIGKILL');
    const lsnAtOutage = (await sql(env.DATABASE_URL, 'select pg_current_wal_lsn()::text as l')).rows[0].l as string;
    while (work.expected.changes < 4000) await work.transaction(10);
    await new Promise((r) => setTimeout(r, 4000));
    const slot = await sql(env.DATABASE_URL, 'select confirmed_flush_lsn <= $1::pg_lsn as held, confirmed_flush_lsn::text as c from pg_replication_slots where slot_name = $2', [lsnAtOutage, env.CDC_SLOT]);
    assert.equal(slot.rows[0].held, true, `slot confirmed ${slot.rows[0].c}, past ${lsnAtOutage} although the broker was down`);

    await kafkaUp(broker, quiet);
    await eventually('every change after the outage', async () => (await countInTopic()) >= work.expected.changes, 120_000);
    const events = parseChanges(await readTopics(env.KAFKA_BROKERS, [topic])).filter((c) => c.value !== null);
    const seen = new Map<number, string[]>();
    for (const e of events) {
      const id = Number(e.key!.id);
      if (!seen.has(id)) seen.set(id, []);
      seen.get(id)!.push(describeChange(e.value)!);
    }
    for (const [id, want] of work.expected.perKey) assert.deepEqual(seen.get(id), want, `key ${id}`);
    assert.equal(events.length, work.expected.changes);
  } finally {
    await cap.stop();
    await work.close();
    await dropSlot(env);
    await kafkaDown(broker, quiet, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
