// Exactly once across crashes: `lakehouse notify` is killed with SIGKILL at five random moments
// while 300 activities are inserted, and started again each time. The stand-in must receive each
// activity's message exactly once, and each employee's messages in commit order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import pg from 'pg';
import { killHard } from '../test/support/pipeline.js';
import { insertActivities, notifyWorld, spawnNotifier, until, type Employee } from './testing/harness.js';

const EMPLOYEES: Employee[] = Array.from({ length: 12 }, (_, i) => ({ employee_id: i + 1, first_name: ['Zoé', 'Loïc', 'Anaïs'][i % 3]!, last_name: `D'Almeida-${i + 1}` }));

test('300 activities, notifier killed -9 at five random moments: each message exactly once, in order per employee', { timeout: 300000 }, async (t) => {
  const world = await notifyWorld({
    employees: EMPLOYEES,
    // 50 messages/s: 300 messages take about 6 s to post, so the kills land mid-stream.
    standIn: { intervalMs: 20, burst: 3 },
    notifyEnv: { NOTIFY_INTERVAL_MS: '20', NOTIFY_BURST: '3', NOTIFY_QUEUE_SIZE: '20', LOG_LEVEL: 'debug' },
  });
  const logs: string[] = [];
  let child: ChildProcess | undefined;
  const client = new pg.Client({ connectionString: world.env.DATABASE_URL });
  t.after(async () => {
    if (child) await killHard(child);
    await client.end().catch(() => undefined);
    await world.close();
  });
  child = await spawnNotifier(world.notifyEnv, logs);
  await client.connect();
  const inserted: { id: number; employee: number }[] = [];
  const inserting = (async () => {
    while (inserted.length < 300) {
      const rows = Array.from({ length: Math.min(300 - inserted.length, 1 + Math.floor(Math.random() * 6)) }, () => ({
        employee_id: 1 + Math.floor(Math.random() * EMPLOYEES.length),
        ...(Math.random() < 0.5
          ? { sport_type: 'Runing', distance_m: Math.random() < 0.8 ? 1000 + Math.floor(Math.random() * 20000) : null }
          : { sport_type: 'Escalade', distance_m: null }), // climbing has no distance (quality rule distance_only_for_distance_sports)
        elapsed_s: 600 + Math.floor(Math.random() * 6000),
        comment: Math.random() < 0.3 ? "Avec l'équipe" : null,
      }));
      const ids = await insertActivities(client, rows);
      ids.forEach((id, i) => inserted.push({ id, employee: rows[i]!.employee_id }));
      await new Promise((r) => setTimeout(r, 40));
    }
  })();
  for (let kill = 0; kill < 5; kill++) {
    // A random moment while messages flow: some posted, some queued, one maybe in flight.
    const before = world.standIn.received.length;
    await until('messages flowing', () => world.standIn.received.length > before || inserted.length >= 300, 30000);
    await new Promise((r) => setTimeout(r, Math.random() * 600));
    await killHard(child);
    child = await spawnNotifier(world.notifyEnv, logs);
  }
  await inserting;
  await until('300 messages', () => world.standIn.received.length >= 300, 90000).catch((e: Error) => {
    throw new Error(`${e.message}: got ${world.standIn.received.length}\n${logs.join('').slice(-4000)}`);
  });
  // Anything still to come would be a duplicate: give it time to show.
  await new Promise((r) => setTimeout(r, 2000));

  const got = world.standIn.received.map((m) => Number(m.metadata?.event_payload.activity_id));
  const counts = new Map<number, number>();
  for (const id of got) counts.set(id, (counts.get(id) ?? 0) + 1);
  const dupes = [...counts].filter(([, c]) => c > 1);
  assert.deepEqual(dupes, [], 'no message twice');
  assert.deepEqual([...counts.keys()].sort((a, b) => a - b), inserted.map((a) => a.id).sort((a, b) => a - b), 'every activity once');
  const employeeOf = new Map(inserted.map((a) => [a.id, a.employee]));
  for (const e of EMPLOYEES) {
    const mine = got.filter((id) => employeeOf.get(id) === e.employee_id);
    assert.deepEqual(mine, [...mine].sort((a, b) => a - b), `employee ${e.employee_id}'s messages in commit order`);
  }
  const skipped = (logs.join('').match(/already in the channel, not posted again/g) ?? []).length;
  console.log(`crash test: ${got.length} messages, ${world.standIn.rateLimited.length} 429s, ${skipped} found in the channel history after a crash`);
});
