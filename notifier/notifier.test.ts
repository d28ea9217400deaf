// The notifier against the real capture (cdc/), the real bronze and silver writers behind the
// project's quality rules, the broker of the local stack and the Slack stand-in, through the real
// @slack/web-api client. Every world's stand-in also fails its test if any message carried an
// unescaped `<` or `&` (notifier/testing/slack-standin.ts).
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import pg from 'pg';
import { eventually, sql } from '../test/support/cdc.js';
import { killHard } from '../test/support/pipeline.js';
import { insertActivities, lakeRows, notifyWorld, spawnNotifier, startNotifier, until, type Employee, type InProcessNotifier, type NotifyWorld, type WorldOptions } from './testing/harness.js';
import { METADATA_EVENT_TYPE } from './slack.js';

const EMPLOYEES: Employee[] = [
  { employee_id: 1, first_name: 'Juliette', last_name: 'Mendes' },
  { employee_id: 2, first_name: 'Hélène', last_name: "D'Almeida" },
  { employee_id: 3, first_name: 'Jean-Baptiste', last_name: "N'Diaye" },
];

// The stand-in and the client keep the same rate (50 messages/s after a burst of 3), scaled down
// from Slack's 1/s so that the tests are quick.
const FAST = { standIn: { intervalMs: 20, burst: 3 }, notifyEnv: { NOTIFY_INTERVAL_MS: '20', NOTIFY_BURST: '3' } };

/** A world, a database client and the notifiers a test starts, all stopped and dropped after it, even when it fails. */
async function setUp(t: TestContext, opts: Partial<WorldOptions> = {}): Promise<{ world: NotifyWorld; client: pg.Client; notifiers: InProcessNotifier[]; children: ChildProcess[] }> {
  const world = await notifyWorld({ employees: EMPLOYEES, ...FAST, ...opts, notifyEnv: { ...FAST.notifyEnv, ...opts.notifyEnv } });
  const client = new pg.Client({ connectionString: world.env.DATABASE_URL });
  const notifiers: InProcessNotifier[] = [];
  const children: ChildProcess[] = [];
  t.after(async () => {
    for (const c of children) await killHard(c);
    for (const n of notifiers) await n.stop();
    await client.end().catch(() => undefined);
    await world.close();
  });
  await client.connect();
  return { world, client, notifiers, children };
}

const activityIds = (world: NotifyWorld) => world.standIn.received.map((m) => Number(m.metadata?.event_payload.activity_id));

/** Silver's rows of a table, keyed by their id column. */
async function silverIds(world: NotifyWorld, table: 'employees' | 'activities'): Promise<Map<number, Record<string, unknown>>> {
  const column = table === 'employees' ? 'employee_id' : 'activity_id';
  return new Map((await lakeRows(world, `silver/public/${table}`)).map((r) => [Number(r[column]), r]));
}

test('only live inserts are announced, in natural French, names as silver holds them', { timeout: 180000 }, async (t) => {
  const { world, client, notifiers } = await setUp(t, {
    // Rows present before the capture starts arrive as snapshot rows (op r): never announced.
    before: async (url) => {
      await sql(url, `insert into activities (employee_id, start_time, sport_type, distance_m, elapsed_s, end_time, comment)
        values (1, now() - interval '1 day', 'Runing', 5000, 1800, now() - interval '23 hours', 'vieux'),
               (2, now() - interval '2 days', 'Tennis', null, 3600, now() - interval '47 hours', null)`);
    },
  });
  notifiers.push(await startNotifier(world.notifyEnv));
  // Updates, deletes and a truncate of other rows are not news either.
  await client.query(`update activities set comment = 'modifié' where employee_id = 1`);
  await client.query(`delete from activities where employee_id = 2`);
  const [run, climb, hike] = await insertActivities(client, [
    { employee_id: 1, sport_type: 'Runing', distance_m: 10800, elapsed_s: 2760, comment: null },
    { employee_id: 2, sport_type: 'Escalade', distance_m: null, elapsed_s: 5400, comment: null },
    { employee_id: 3, sport_type: 'Randonnée', distance_m: 10000, elapsed_s: 9000, comment: "Superbe vue sur l'étang & les flamants <3" },
  ]);
  await until('three messages', () => world.standIn.received.length >= 3, 60000);
  // A name change reaches the next message once silver holds it; the update itself posts nothing.
  await client.query(`update employees set last_name = 'Mendès-France' where employee_id = 1`);
  await eventually('the new name in silver', async () => (await silverIds(world, 'employees')).get(1)?.last_name === 'Mendès-France', 60000);
  await client.query(`update activities set distance_m = 11000 where activity_id = $1`, [run]);
  await client.query(`delete from activities where activity_id = $1`, [climb]);
  const [late] = await insertActivities(client, [{ employee_id: 1, sport_type: 'Natation', distance_m: 1500, elapsed_s: 2400, comment: 'Jambes lourdes aujourd’hui' }]);
  await until('four messages', () => world.standIn.received.length >= 4, 60000);
  await new Promise((r) => setTimeout(r, 1500));

  const got = world.standIn.received;
  assert.deepEqual(got.map((m) => m.text), [
    'Bravo Juliette Mendes ! Tu viens de courir 10,8 km en 46 min ! Quelle énergie !',
    "Au sommet Hélène D'Almeida ! 1 h 30 d’escalade, quelle grimpe !",
    "Magnifique Jean-Baptiste N'Diaye ! Une randonnée de 10 km terminée !\n« Superbe vue sur l'étang &amp; les flamants &lt;3 »",
    'Bravo Juliette Mendès-France ! Tu viens de nager 1,5 km en 40 min ! Quelle aisance dans l’eau !\n« Jambes lourdes aujourd’hui »',
  ]);
  assert.deepEqual(activityIds(world), [run, climb, hike, late]);
  assert.ok(got.every((m) => m.metadata?.event_type === METADATA_EVENT_TYPE && String(m.metadata.event_payload.key).startsWith('public.activities/{"activity_id":')));
  assert.deepEqual(got[2]!.blocks, [
    { type: 'section', text: { type: 'plain_text', text: "Magnifique Jean-Baptiste N'Diaye ! Une randonnée de 10 km terminée !", emoji: true } },
    { type: 'context', elements: [{ type: 'plain_text', text: "« Superbe vue sur l'étang &amp; les flamants &lt;3 »", emoji: true }] },
  ]);
});

test('activities the quality gate quarantines are never announced: one ending before it starts, one of an unknown employee (held, then quarantined)', { timeout: 180000 }, async (t) => {
  // silver holds an activity whose employee it does not know for 4 s (quality.foreignKeyWaitMs), then quarantines it
  const { world, client, notifiers } = await setUp(t, { lakeEnv: { QUALITY_FOREIGN_KEY_WAIT_MS: '4000' } });
  notifiers.push(await startNotifier(world.notifyEnv));
  const [first] = await insertActivities(client, [{ employee_id: 1, sport_type: 'Runing', distance_m: 5000, elapsed_s: 1500, comment: null }]);
  const backwards = Number((await client.query<{ activity_id: string }>(
    `insert into activities (employee_id, start_time, sport_type, distance_m, elapsed_s, end_time, comment)
     values (2, now(), 'Runing', 8000, 2400, now() - interval '40 minutes', 'fini avant d''avoir commencé') returning activity_id`,
  )).rows[0]!.activity_id);
  const [stranger] = await insertActivities(client, [{ employee_id: 999, sport_type: 'Natation', distance_m: 1000, elapsed_s: 1800, comment: 'qui suis-je ?' }]);
  const [last] = await insertActivities(client, [{ employee_id: 3, sport_type: 'Tennis', distance_m: null, elapsed_s: 3600, comment: null }]);

  const quarantined = await eventually('both bad activities in quarantine', async () => {
    const rows = await lakeRows(world, 'quarantine/public/activities');
    return rows.length >= 2 ? rows : undefined;
  }, 90000);
  await until('two messages', () => world.standIn.received.length >= 2, 60000);
  await new Promise((r) => setTimeout(r, 2000));

  assert.deepEqual(activityIds(world), [first, last], 'only what silver accepted, in commit order');
  assert.ok(world.standIn.received.every((m) => !m.text.includes('à toi')), 'no message without a name');
  const rule = (id: number) => quarantined.find((q) => JSON.parse(String(q.key_json)).activity_id === id)?.rule;
  assert.equal(rule(backwards), 'ends_after_start');
  assert.equal(rule(stranger!), 'employee_exists');
  // the later activity waited for silver's verdict on the stranger's, which came after the foreign-key wait
  const strangerAt = (quarantined.find((q) => JSON.parse(String(q.key_json)).activity_id === stranger)!.quarantined_at as Date).getTime();
  assert.ok(world.standIn.received[1]!.receivedAt >= strangerAt, 'the next activity was held until silver judged the one before it');
});

test('a deleted employee is not congratulated, and the employee count at restart is the source\'s', { timeout: 240000 }, async (t) => {
  const { world, client, notifiers, children } = await setUp(t, { lakeEnv: { QUALITY_FOREIGN_KEY_WAIT_MS: '4000' } });
  // The group's first start: from now on activities are announced.
  const first = await startNotifier(world.notifyEnv);
  await first.stop();

  // Accepted by silver while the employee existed, then the employee is deleted before the
  // notifier gets to the activity: silver no longer has them, so no message.
  const [accepted] = await insertActivities(client, [{ employee_id: 3, sport_type: 'Randonnée', distance_m: 12000, elapsed_s: 10800, comment: null }]);
  await eventually('the activity in silver', async () => (await silverIds(world, 'activities')).has(accepted!), 60000);
  await client.query('delete from employees where employee_id = 3');
  await eventually('employee 3 gone from silver', async () => !(await silverIds(world, 'employees')).has(3), 60000);

  const logs: string[] = [];
  const employeesAtStart = Number((await client.query<{ n: string }>('select count(*) as n from employees')).rows[0]!.n);
  children.push(await spawnNotifier(world.notifyEnv, logs));
  // Deleted first, then an activity of theirs: silver quarantines it (unknown employee).
  await client.query('delete from employees where employee_id = 2');
  await eventually('employee 2 gone from silver', async () => !(await silverIds(world, 'employees')).has(2), 60000);
  const [orphan] = await insertActivities(client, [{ employee_id: 2, sport_type: 'Runing', distance_m: 6000, elapsed_s: 1900, comment: null }]);
  const [kept] = await insertActivities(client, [{ employee_id: 1, sport_type: 'Runing', distance_m: 7000, elapsed_s: 2100, comment: null }]);
  await until('a message', () => world.standIn.received.length >= 1, 90000);
  await eventually('the orphan in quarantine', async () => (await lakeRows(world, 'quarantine/public/activities')).some((q) => JSON.parse(String(q.key_json)).activity_id === orphan) || undefined, 60000);
  await new Promise((r) => setTimeout(r, 2000));
  assert.deepEqual(activityIds(world), [kept]);
  assert.ok(!world.standIn.received.some((m) => /Hélène|Jean-Baptiste/.test(m.text)), 'no deleted employee named');

  // What the notifier says it knows at start agrees with the source.
  const ready = logs.join('').split('\n').find((l) => /ready: /.test(l)) ?? '';
  assert.match(ready, new RegExp(`\\b${employeesAtStart} employees known\\b`), `the ready line (the source had ${employeesAtStart} employees): ${ready}`);
});

test('text from data reaches Slack escaped: no mention, link or formatting, long comments cut with an ellipsis', { timeout: 180000 }, async (t) => {
  const { world, client, notifiers } = await setUp(t, {
    employees: [...EMPLOYEES, { employee_id: 4, first_name: 'Zoé <@U0BOSS>', last_name: '*Star* & Co' }],
  });
  notifiers.push(await startNotifier(world.notifyEnv));
  const hostile = '<!channel> <@U123> <https://evil.example|click> *bold* _it_ ~no~ `code`';
  const long = Array.from('Quelle sortie 🏃‍♀️ ! '.repeat(120)).slice(0, 2000).join(''); // the longest comment the rules accept (2,000 characters)
  const ids = await insertActivities(client, [
    { employee_id: 4, sport_type: 'Runing', distance_m: 5000, elapsed_s: 1500, comment: hostile },
    { employee_id: 1, sport_type: 'Runing', distance_m: 5000, elapsed_s: 1500, comment: long },
  ]);
  await until('two messages', () => world.standIn.received.length >= 2, 60000);
  const [h, l] = world.standIn.received;
  assert.deepEqual(activityIds(world), ids);
  assert.equal(h!.text, 'Bravo Zoé &lt;@U0BOSS&gt; *Star* &amp; Co ! Tu viens de courir 5 km en 25 min ! Quelle énergie !\n« &lt;!channel&gt; &lt;@U123&gt; &lt;https://evil.example|click&gt; *bold* _it_ ~no~ `code` »');
  // Slack parses nothing in the text: no mrkdwn, no names linked, no automatic parsing
  assert.deepEqual(h!.options, { mrkdwn: 'false', parse: 'none', link_names: 'false', unfurl_links: 'false', unfurl_media: 'false' });
  const comment = l!.text.split('\n')[1]!;
  const characters = [...new Intl.Segmenter('fr', { granularity: 'grapheme' }).segment(comment)].length;
  assert.ok(comment.endsWith('… »') && characters <= 500 + '« … »'.length && long.startsWith(comment.slice(2, -3)), `${characters} characters: …${comment.slice(-20)}`);
  assert.ok(!/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(comment), 'no emoji cut in half');
  assert.deepEqual(world.standIn.unsafe, []);
});

test('a burst of 100 activities: every message once, in commit order, every Retry-After honoured', { timeout: 180000 }, async (t) => {
  const { world, client, notifiers } = await setUp(t, { notifyEnv: { NOTIFY_QUEUE_SIZE: '10' } });
  notifiers.push(await startNotifier(world.notifyEnv));
  const ids = await insertActivities(
    client,
    Array.from({ length: 100 }, (_, i) => ({ employee_id: (i % 3) + 1, sport_type: 'Runing', distance_m: 5000 + i * 100, elapsed_s: 1500 + i * 10, comment: null })),
  );
  await until('100 messages', () => world.standIn.received.length >= 100, 120000);
  await new Promise((r) => setTimeout(r, 1000));
  assert.deepEqual(activityIds(world), ids, 'every activity once, in commit order');
  // How many 429s a burst meets depends on timing (a busy machine bunches requests); what must
  // hold is that after each one nothing was posted until its Retry-After had passed.
  for (const r of world.standIn.retryAfter) {
    const early = world.standIn.calls.filter((c) => c.method === 'chat.postMessage' && c.at > r.at && c.at < r.at + r.seconds * 1000 - 5);
    assert.deepEqual(early.map((c) => c.at - r.at), [], `posts during the Retry-After of ${r.seconds} s given at ${r.at}`);
  }
});

test('the channel history stops a second post: after a lost answer, and when the record is behind', { timeout: 180000 }, async (t) => {
  const { world, client, notifiers } = await setUp(t);
  const recordA = `${world.env.TOPIC_PREFIX}.notify.sent-a`;
  // Slack posts the message but the connection drops before the answer: the retry looks first.
  world.standIn.failNext('drop-after-post');
  world.standIn.failNext('http500');
  const a = await startNotifier({ ...world.notifyEnv, NOTIFY_RECORD_TOPIC: recordA });
  notifiers.push(a);
  const ids = await insertActivities(client, [
    { employee_id: 1, sport_type: 'Runing', distance_m: 5000, elapsed_s: 1500, comment: null },
    { employee_id: 2, sport_type: 'Natation', distance_m: 1000, elapsed_s: 1800, comment: null },
    { employee_id: 3, sport_type: 'Tennis', distance_m: null, elapsed_s: 3600, comment: null },
  ]);
  await until('three messages', () => world.standIn.received.length >= 3, 60000);
  await a.stop();
  assert.deepEqual(activityIds(world), ids);

  // A notifier whose record knows nothing (a crash between the post and the record, at the
  // extreme), made to read the same activities again: the channel's history says they were posted.
  const { Kafka, logLevel } = await import('kafkajs');
  const admin = new Kafka({ brokers: world.env.KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  const topic = `${world.env.TOPIC_PREFIX}.public.activities`;
  await admin.setOffsets({ groupId: world.notifyEnv.NOTIFY_GROUP_ID!, topic, partitions: (await admin.fetchTopicOffsets(topic)).map((p) => ({ partition: p.partition, offset: p.low })) });
  await admin.disconnect();
  const b = await startNotifier({ ...world.notifyEnv, NOTIFY_RECORD_TOPIC: `${world.env.TOPIC_PREFIX}.notify.sent-b` });
  notifiers.push(b);
  const [more] = await insertActivities(client, [{ employee_id: 1, sport_type: 'Natation', distance_m: 2000, elapsed_s: 3600, comment: null }]);
  await until('the fourth message', () => world.standIn.received.length >= 4, 60000);
  await new Promise((r) => setTimeout(r, 1000));
  assert.deepEqual(activityIds(world), [...ids, more]);
});
