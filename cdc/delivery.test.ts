// Nothing lost, nothing doubled: the capture process is killed with SIGKILL at five random
// moments during 50,000 committed changes and restarted each time. Afterwards the topic holds
// every committed change, once, in commit order per key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { cdcTestEnv, dropSlot, eventually, parseChanges, spawnCapture } from '../test/support/cdc.js';
import { readTopics } from '../test/support/topics.js';
import { describeChange, KvWorkload } from '../test/support/workload.js';

const TOTAL = 50_000;

test('kill -9 at random moments during 50,000 changes loses none and doubles none', { timeout: 600_000 }, async () => {
  const env = await cdcTestEnv({ KAFKA_PARTITIONS: '3' });
  const work = new KvWorkload(env.DATABASE_URL);
  await work.open();
  const log: string[] = [];
  let child: ChildProcess = await spawnCapture(env, log);
  const killAt = Array.from({ length: 5 }, () => Math.floor(TOTAL * (0.05 + Math.random() * 0.9))).sort((a, b) => a - b);
  let restarting: Promise<void> = Promise.resolve();
  let kills = 0;
  try {
    while (work.expected.changes < TOTAL) {
      await work.transaction(1 + Math.floor(Math.random() * 20));
      if (kills < killAt.length && work.expected.changes >= killAt[kills]!) {
        await restarting;
        const victim = child;
        kills++;
        victim.kill('SIGKILL');
        restarting = (async () => {
          await new Promise((r) => victim.once('exit', r));
          child = await spawnCapture(env, log);
        })();
      }
    }
    await restarting;
    assert.equal(kills, 5);
    const topic = `${env.TOPIC_PREFIX}.public.kv`;
    const events = await eventually(
      'every change in the topic',
      async () => {
        const all = parseChanges(await readTopics(env.KAFKA_BROKERS, [topic])).filter((c) => c.value !== null);
        return all.length >= work.expected.changes ? all : undefined;
      },
      180_000,
    );
    // Per key, in partition offset order (readTopics keeps it per partition; a key has one partition).
    const seen = new Map<number, string[]>();
    for (const e of events) {
      const id = Number(e.key!.id);
      if (!seen.has(id)) seen.set(id, []);
      seen.get(id)!.push(describeChange(e.value)!);
    }
    let mismatches = 0;
    for (const [id, want] of work.expected.perKey) {
      const got = seen.get(id) ?? [];
      if (JSON.stringify(got) !== JSON.stringify(want)) {
        if (mismatches++ < 5) assert.fail(`key ${id}: topic has ${JSON.stringify(got)}, PostgreSQL committed ${JSON.stringify(want)}`);
      }
    }
    assert.equal(events.length, work.expected.changes, 'each committed change exactly once');
    const positions = new Set(events.map((e) => e.message.headers['lakehouse.position']));
    assert.equal(positions.size, events.length, 'no change sent twice');
  } catch (e) {
    process.stderr.write(log.join('').slice(-4000));
    throw e;
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    await work.close();
    await dropSlot(env);
  }
});
