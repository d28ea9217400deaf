// Each bad configuration gets its own message that names the fix, and changes nothing; a table
// without a primary key is not a bad configuration (Debezium captures it with null keys).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../common/config.js';
import { UserError } from '../common/errors.js';
import { postgresDown, postgresUp, postgresUrl } from '../stack/postgres.js';
import { Capture } from './capture.js';
import { cdcTestEnv, changesOf, dropSlot, eventually, sql, startCapture } from '../test/support/cdc.js';

async function captureError(env: Record<string, string>): Promise<UserError> {
  const capture = new Capture(loadConfig({ env }));
  try {
    await capture.run();
  } catch (e) {
    await capture.stop().catch(() => undefined);
    assert.ok(e instanceof UserError, `expected a UserError, got ${(e as Error).stack}`);
    return e;
  }
  await capture.stop();
  assert.fail('the capture started');
}

test('wal_level other than logical is refused with the ALTER SYSTEM fix', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pg-replica-'));
  chmodSync(dir, 0o755);
  const pgo = { dir, port: 54339, settings: ['wal_level = replica'] };
  await postgresUp(pgo, () => undefined);
  try {
    const env = await cdcTestEnv();
    const e = await captureError({ ...env, DATABASE_URL: postgresUrl(pgo) });
    assert.match(e.message, /wal_level is "replica"; change data capture needs "logical"/);
    assert.match(e.fix!, /ALTER SYSTEM SET wal_level = logical/);
  } finally {
    postgresDown(pgo, () => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a user without REPLICATION is told which user and how to grant it', async () => {
  const env = await cdcTestEnv();
  const role = `norepl_${env.TOPIC_PREFIX.slice(-8)}`;
  await sql(env.DATABASE_URL, `create role ${role} login password 'pw'; grant create on database "${new URL(env.DATABASE_URL).pathname.slice(1)}" to ${role}`);
  const url = new URL(env.DATABASE_URL);
  url.username = role;
  url.password = 'pw';
  const e = await captureError({ ...env, DATABASE_URL: url.toString() });
  assert.match(e.message, new RegExp(`"${role}" lacks the REPLICATION attribute`));
  assert.match(e.fix!, /ALTER ROLE .* WITH REPLICATION/);
});

test('a table without a primary key never stops the capture: its rows come with null keys beside the other tables', async (t) => {
  const env = await cdcTestEnv();
  await sql(env.DATABASE_URL, `create table nokey (a int, b text); create table haskey (id int primary key); insert into nokey values (0, 'zero')`);
  const running = await startCapture(env);
  t.after(async () => {
    await running.stop();
    await dropSlot(env);
  });
  await sql(env.DATABASE_URL, `insert into nokey values (1, 'one'); insert into haskey values (1)`);
  const nokey = await eventually('both rows of nokey', async () => {
    const c = await changesOf(env, 'nokey');
    return c.length >= 2 ? c : undefined;
  });
  assert.deepEqual(nokey.map((c) => [c.value!.op, c.message.key, c.value!.after]), [['r', null, { a: 0, b: 'zero' }], ['c', null, { a: 1, b: 'one' }]]);
  const haskey = await eventually('the row of haskey', async () => (await changesOf(env, 'haskey'))[0]);
  assert.deepEqual(haskey.key, { id: 1 });
});

test('an unreachable broker or database is reported with the setting to fix', async () => {
  const env = await cdcTestEnv();
  await sql(env.DATABASE_URL, `create table ok (id int primary key)`);
  let e = await captureError({ ...env, KAFKA_BROKERS: '127.0.0.1:1' });
  assert.match(e.message, /cannot reach the Kafka broker at 127\.0\.0\.1:1/);
  assert.match(e.fix!, /KAFKA_BROKERS/);
  e = await captureError({ ...env, DATABASE_URL: 'postgres://x:secret-pw@127.0.0.1:1/db' });
  assert.match(e.message, /cannot connect to PostgreSQL/);
  assert.match(e.fix!, /DATABASE_URL/);
});

test('lakehouse cdc with a wrong option value exits 1 with the option, origin and accepted values', () => {
  const res = spawnSync(process.execPath, ['bin/lakehouse.js', 'cdc'], {
    env: { ...process.env, CDC_DECIMAL_HANDLING: 'exact', DATABASE_URL: 'postgres://u:hunter2-secret@127.0.0.1:1/x' },
    encoding: 'utf8',
  });
  assert.equal(res.status, 1);
  assert.match(res.stderr, /cdc\.decimalHandling is "exact"; expected one of precise, double, string/);
  assert.match(res.stderr, /environment variable CDC_DECIMAL_HANDLING/);
  assert.ok(!res.stderr.includes('hunter2-secret'), 'the password is never printed');
  const help = spawnSync(process.execPath, ['bin/lakehouse.js', 'cdc', '--help'], { encoding: 'utf8' });
  assert.equal(help.status, 0);
  assert.match(help.stdout, /--snapshot-mode MODE/);
});
