// `lakehouse status` against a running capture, bronze and silver: the slot, the change topic's
// offsets, the bronze group's lag (still measured, and growing, once bronze is stopped), each lake
// table's version, rows and last commit as the Delta log records them, silver's lag, and the
// latest quality results; a broker that cannot be reached costs its section only.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { DeltaTable } from '../lake/index.js';
import { writeQualityResults } from '../quality/results-table.js';
import { projectRoot } from '../stack/paths.js';
import { cdcTestEnv, dropSlot, eventually, sql, startCapture, type CdcTestEnv, type RunningCapture } from '../test/support/cdc.js';
import { lakeEnv, startBronze, startSilver, tableRows, tempLake, type Running } from '../test/support/pipeline.js';
import type { BronzeWriter } from '../lake/bronze/writer.js';
import type { SilverWriter } from '../lake/silver/writer.js';
import type { StatusReport } from '../monitoring/status.js';

let env: CdcTestEnv;
let wenv: Record<string, string>;
let lake: ReturnType<typeof tempLake>;
let capture: RunningCapture;
let bronze: Running<BronzeWriter>;
let silver: Running<SilverWriter>;

function status(args: string[], extra: Record<string, string> = {}): { code: number; stdout: string; stderr: string } {
  const res = spawnSync(process.execPath, [join(projectRoot(), 'bin', 'lakehouse.js'), 'status', ...args], {
    env: { ...process.env, ...wenv, ...extra, LAKEHOUSE_CONFIG: '' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: res.status ?? -1, stdout: res.stdout, stderr: res.stderr };
}

function report(extra: Record<string, string> = {}): StatusReport {
  const r = status(['--json'], extra);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as StatusReport;
}

before(async () => {
  env = await cdcTestEnv();
  lake = tempLake();
  wenv = lakeEnv(env, lake.root);
  await sql(env.DATABASE_URL, `create table m (id int primary key, v text); insert into m select g, 'v' || g from generate_series(1, 40) g`);
  capture = await startCapture(env);
  bronze = await startBronze(wenv);
  silver = startSilver(wenv);
  await sql(env.DATABASE_URL, `update m set v = 'changed' where id <= 10; delete from m where id > 35`);
  await eventually('silver holds the table', async () => (await tableRows(lake.root, 'silver/public/m')).length === 35, 120_000);
  await writeQualityResults(lake.root, [
    { table: 'public.m', rule: 'v_not_empty', expectation: 'not_null', action: 'quarantine', evaluated: 50, failed: 2, fraction: 0.04, mostly: 1, passed: false, sampleKeys: ['{"id":3}'] },
    { table: 'public.m', rule: 'schema', expectation: 'schema', action: 'quarantine', evaluated: 50, failed: 0, fraction: 0, mostly: 1, passed: true, sampleKeys: [] },
  ], undefined, new Date(Date.now() - 60_000));
  await writeQualityResults(lake.root, [
    { table: 'public.m', rule: 'v_not_empty', expectation: 'not_null', action: 'quarantine', evaluated: 10, failed: 0, fraction: 0, mostly: 1, passed: true, sampleKeys: [] },
  ]);
});

after(async () => {
  await silver?.stop().catch(() => undefined);
  await bronze?.stop();
  await capture?.stop();
  if (env) await dropSlot(env);
  lake?.remove();
});

test('status --json: slot, topic offsets, consumer lag, lake tables from their logs, silver lag, quality results', { timeout: 120_000 }, async () => {
  const topic = `${env.TOPIC_PREFIX}.public.m`;
  // 40 snapshot rows, 10 updates, 5 deletes and their 5 tombstones
  const r = await eventually('bronze has committed its offsets', async () => {
    const rep = report();
    return rep.groups.length > 0 && rep.groups.every((g) => g.lag === 0) ? rep : undefined;
  }, 60_000);
  assert.deepEqual(r.errors, {});
  assert.equal(r.slot?.slot, env.CDC_SLOT);
  assert.equal(r.slot?.exists, true);
  assert.equal(r.slot?.active, true);
  assert.equal(typeof r.slot?.lagBytes, 'number');
  assert.deepEqual(r.topics, [{ topic, partitions: 3, messages: 60 }]);
  assert.deepEqual([...new Set(r.groups.map((g) => `${g.group} ${g.topic}`))], [`${wenv.BRONZE_GROUP_ID} ${topic}`]);
  assert.equal(r.groups.length, 3, 'one line per partition');

  const byPath = new Map(r.lake.tables.map((t) => [t.path, t]));
  assert.deepEqual([...byPath.keys()], ['bronze/public/m', 'quality_results', 'silver/public/m']);
  for (const path of ['bronze/public/m', 'silver/public/m']) {
    const t = byPath.get(path)!;
    const delta = await DeltaTable.open(lake.root, path);
    assert.equal(t.version, delta.version, `${path} version`);
    assert.equal(t.rows, (await delta.rows()).length, `${path} rows from the file statistics`);
    assert.equal(t.files, delta.files().length);
    assert.ok(t.bytes > 0);
    assert.equal(new Date(t.lastCommit as unknown as string).getTime(), (await delta.history(1))[0]!.timestamp.getTime(), `${path} last commit`);
  }
  assert.equal(byPath.get('bronze/public/m')!.rows, 55, 'every change once');
  assert.equal(byPath.get('silver/public/m')!.rows, 35);
  assert.deepEqual(r.lake.silverLag, { 'silver/public/m': 0 });

  assert.deepEqual(r.quality.map((q) => [q.rule, q.evaluated, q.failed, q.lastPassed]), [['schema', 50, 0, true], ['v_not_empty', 60, 2, true]]);
});

test('status shows the lag of a stopped consumer growing, as a table on the terminal', { timeout: 120_000 }, async () => {
  await silver.stop();
  await bronze.stop();
  await sql(env.DATABASE_URL, `insert into m select g, 'late' from generate_series(100, 129) g`);
  const r = await eventually('30 changes the stopped bronze has not read', async () => {
    const rep = report();
    return rep.groups.reduce((n, g) => n + g.lag, 0) === 30 ? rep : undefined;
  }, 60_000);
  assert.equal(r.topics[0]!.messages, 90);

  const text = status([]);
  assert.equal(text.code, 0, text.stderr);
  const lines = text.stdout.split('\n');
  for (const heading of ['Replication slot', 'Change topics', 'Consumer lag', 'Lake tables', 'Quality (last 1 day)']) assert.ok(lines.includes(heading), `${heading} section`);
  assert.ok(lines.some((l) => new RegExp(`^  ${wenv.BRONZE_GROUP_ID}\\s+${env.TOPIC_PREFIX}\\.public\\.m\\s+3\\s+30$`).test(l)), `bronze lag of 30 on the terminal:\n${text.stdout}`);
  assert.ok(lines.some((l) => /^  bronze\/public\/m\s+\d+\s+55\s+\d+\s+[\d.]+ (B|KiB)\s+\d{4}-\d\d-\d\dT.*Z \(\d+ s ago\)$/.test(l)), `bronze row on the terminal:\n${text.stdout}`);
  assert.ok(lines.some((l) => /^  public\.m\s+v_not_empty\s+quarantine\s+60\s+2\s+3\.33\s+passed/.test(l)), `quality row:\n${text.stdout}`);
});

test('a broker that cannot be reached is reported; the other sections are still read', { timeout: 60_000 }, () => {
  const r = status(['--json'], { KAFKA_BROKERS: '127.0.0.1:1' });
  assert.equal(r.code, 1, 'the exit code says a source was not read');
  const rep = JSON.parse(r.stdout) as StatusReport;
  assert.match(rep.errors.broker ?? '', /127\.0\.0\.1:1/);
  assert.deepEqual(rep.topics, []);
  assert.equal(rep.slot?.exists, true);
  assert.ok(rep.lake.tables.length >= 3);
  const text = status([], { KAFKA_BROKERS: '127.0.0.1:1' });
  const after = (heading: string) => text.stdout.split('\n')[text.stdout.split('\n').indexOf(heading) + 1];
  for (const heading of ['Change topics', 'Consumer lag']) {
    assert.equal(after(heading), '  (not read: the broker did not answer; see "Not read" below)', `${heading}:\n${text.stdout}`);
  }
});

test('a slot no capture reads is reported with the WAL it keeps and how to drop it', { timeout: 60_000 }, async () => {
  await capture.stop();
  const r = await eventually('the slot is inactive', async () => {
    const rep = report();
    return rep.slot?.active === false ? rep : undefined;
  }, 30_000);
  assert.ok(!r.idleSlots.some((s) => s.slot === env.CDC_SLOT), 'the configured slot is not listed among the others');
  const text = status([]);
  assert.match(text.stdout, new RegExp(`No capture reads ${env.CDC_SLOT}: PostgreSQL keeps its [\\d.]+ (B|KiB|MiB) of`));
  assert.match(text.stdout, new RegExp(`select pg_drop_replication_slot\\('${env.CDC_SLOT}'\\);`));
});
