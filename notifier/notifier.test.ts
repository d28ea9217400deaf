// The notifier against the real capture (cdc/, in this process), the broker of the local stack
// and the Slack stand-in, through the real @slack/web-api client.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { sql } from '../test/support/cdc.js';
import { insertActivities, notifyWorld, startNotifier, until, type Employee } from './testing/harness.js';
import { METADATA_EVENT_TYPE } from './slack.js';

const EMPLOYEES: Employee[] = [
  { employee_id: 1, first_name: 'Juliette', last_name: 'Mendes' },
  { employee_id: 2, first_name: 'Hélène', last_name: "D'Almeida" },
  { employee_id: 3, first_name: 'Jean-Baptiste', last_name: "N'Diaye" },
];

test('only live inserts are announced, in natural French, names current from the employees\' changes', { timeout: 90000 }, async () => {
  const world = await notifyWorld({
    employees: EMPLOYEES,
    standIn: { intervalMs: 20, burst: 3 },
    notifyEnv: { NOTIFY_INTERVAL_MS: '20', NOTIFY_BURST: '3' },
    // Rows present before the capture starts arrive as snapshot rows (op r): never announced.
    before: async (url) => {
      await sql(url, `insert into activities (employee_id, start_time, sport_type, distance_m, elapsed_s, end_time, comment)
        values (1, now() - interval '1 day', 'Runing', 5000, 1800, now() - interval '23 hours', 'vieux'),
               (2, now() - interval '2 days', 'Tennis', null, 3600, now() - interval '47 hours', null)`);
    },
  });
  const n = await startNotifier(world.notifyEnv);
  const client = new pg.Client({ connectionString: world.env.DATABASE_URL });
  await client.connect();
  try {
    // Updates, deletes and a truncate of other rows are not news either.
    await client.query(`update activities set comment = 'modifié' where employee_id = 1`);
    await client.query(`delete from activities where employee_id = 2`);
    const [run, climb, hike] = await insertActivities(client, [
      { employee_id: 1, sport_type: 'Runing', distance_m: 10800, elapsed_s: 2760, comment: null },
      { employee_id: 2, sport_type: 'Escalade', distance_m: null, elapsed_s: 5400, comment: null },
      { employee_id: 3, sport_type: 'Randonnée', distance_m: 10000, elapsed_s: 9000, comment: "Superbe vue sur l'étang & les flamants <3" },
    ]);
    await until('three messages', () => world.standIn.received.length >= 3, 30000);
    // A name change reaches the next message; the update itself posts nothing.
    await client.query(`update employees set last_name = 'Mendès-France' where employee_id = 1`);
    await client.query(`update activities set distance_m = 11000 where activity_id = $1`, [run]);
    await client.query(`delete from activities where activity_id = $1`, [climb]);
    const [late] = await insertActivities(client, [{ employee_id: 1, sport_type: 'Natation', distance_m: 1500, elapsed_s: 2400, comment: 'Jambes lourdes aujourd’hui' }]);
    await until('four messages', () => world.standIn.received.length >= 4, 30000);
    await new Promise((r) => setTimeout(r, 1500));

    const got = world.standIn.received;
    assert.deepEqual(got.map((m) => m.text), [
      'Bravo Juliette Mendes ! Tu viens de courir 10,8 km en 46 min ! Quelle énergie !',
      "Au sommet Hélène D'Almeida ! 1 h 30 d’escalade, quelle grimpe !",
      "Magnifique Jean-Baptiste N'Diaye ! Une randonnée de 10 km terminée !\n« Superbe vue sur l'étang & les flamants <3 »",
      'Bravo Juliette Mendès-France ! Tu viens de nager 1,5 km en 40 min ! Quelle aisance dans l’eau !\n« Jambes lourdes aujourd’hui »',
    ]);
    assert.deepEqual(got.map((m) => m.metadata?.event_payload.activity_id), [run, climb, hike, late]);
    assert.ok(got.every((m) => m.metadata?.event_type === METADATA_EVENT_TYPE && String(m.metadata.event_payload.key).startsWith('public.activities/{"activity_id":')));
    assert.deepEqual(got[2]!.blocks, [
      { type: 'section', text: { type: 'mrkdwn', text: "Magnifique Jean-Baptiste N'Diaye ! Une randonnée de 10 km terminée !" } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: "_« Superbe vue sur l'étang &amp; les flamants &lt;3 »_" }] },
    ]);
  } finally {
    await client.end();
    await n.stop();
    await world.close();
  }
});

test('a burst of 100 activities: every message arrives once, with at most one 429', { timeout: 90000 }, async () => {
  // The stand-in and the client keep the same rate (50 messages/s after a burst of 3), scaled
  // down from Slack's 1/s so that the test is quick.
  const world = await notifyWorld({
    employees: EMPLOYEES,
    standIn: { intervalMs: 20, burst: 3 },
    notifyEnv: { NOTIFY_INTERVAL_MS: '20', NOTIFY_BURST: '3', NOTIFY_QUEUE_SIZE: '10' },
  });
  const n = await startNotifier(world.notifyEnv);
  const client = new pg.Client({ connectionString: world.env.DATABASE_URL });
  await client.connect();
  try {
    const ids = await insertActivities(
      client,
      Array.from({ length: 100 }, (_, i) => ({ employee_id: (i % 3) + 1, sport_type: 'Runing', distance_m: 5000 + i * 100, elapsed_s: 1500 + i * 10, comment: null })),
    );
    await until('100 messages', () => world.standIn.received.length >= 100, 60000);
    await new Promise((r) => setTimeout(r, 1000));
    const got = world.standIn.received.map((m) => m.metadata?.event_payload.activity_id);
    assert.deepEqual(got, ids, 'every activity once, in commit order');
    assert.ok(world.standIn.rateLimited.length <= 1, `429s: ${world.standIn.rateLimited.length}`);
  } finally {
    await client.end();
    await n.stop();
    await world.close();
  }
});

test('the channel history stops a second post: after a lost answer, and when the record is behind', { timeout: 90000 }, async () => {
  const world = await notifyWorld({
    employees: EMPLOYEES,
    standIn: { intervalMs: 20, burst: 3 },
    notifyEnv: { NOTIFY_INTERVAL_MS: '20', NOTIFY_BURST: '3', NOTIFY_RECORD_TOPIC: `${Date.now()}-a` },
  });
  const client = new pg.Client({ connectionString: world.env.DATABASE_URL });
  await client.connect();
  try {
    // Slack posts the message but the connection drops before the answer: the retry looks first.
    world.standIn.failNext('drop-after-post');
    world.standIn.failNext('http500');
    const a = await startNotifier(world.notifyEnv);
    const ids = await insertActivities(client, [
      { employee_id: 1, sport_type: 'Runing', distance_m: 5000, elapsed_s: 1500, comment: null },
      { employee_id: 2, sport_type: 'Natation', distance_m: 1000, elapsed_s: 1800, comment: null },
      { employee_id: 3, sport_type: 'Tennis', distance_m: null, elapsed_s: 3600, comment: null },
    ]);
    await until('three messages', () => world.standIn.received.length >= 3, 30000);
    await a.stop();
    assert.deepEqual(world.standIn.received.map((m) => m.metadata?.event_payload.activity_id), ids);

    // A notifier whose record knows nothing (a crash between the post and the record, at the
    // extreme), made to read the same activities again: the channel's history says they were posted.
    const { Kafka, logLevel } = await import('kafkajs');
    const admin = new Kafka({ brokers: world.env.KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    const topic = `${world.env.TOPIC_PREFIX}.public.activities`;
    await admin.setOffsets({ groupId: world.notifyEnv.NOTIFY_GROUP_ID!, topic, partitions: (await admin.fetchTopicOffsets(topic)).map((p) => ({ partition: p.partition, offset: p.low })) });
    await admin.disconnect();
    const b = await startNotifier({ ...world.notifyEnv, NOTIFY_RECORD_TOPIC: `${Date.now()}-b` });
    const [more] = await insertActivities(client, [{ employee_id: 1, sport_type: 'Vélo', distance_m: 20000, elapsed_s: 3600, comment: null }]);
    await until('the fourth message', () => world.standIn.received.length >= 4, 30000);
    await new Promise((r) => setTimeout(r, 1000));
    await b.stop();
    assert.deepEqual(world.standIn.received.map((m) => m.metadata?.event_payload.activity_id), [...ids, more]);
  } finally {
    await client.end();
    await world.close();
  }
});
