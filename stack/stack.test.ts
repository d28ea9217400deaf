import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { testStack } from '../test/support/stack.js';

test('stack up is harmless when the stack runs, and env prints where it is', async () => {
  const env = await testStack();
  const up = spawnSync(process.execPath, ['bin/lakehouse.js', 'stack', 'up'], { encoding: 'utf8' });
  assert.equal(up.status, 0, up.stderr);
  assert.match(up.stderr, /PostgreSQL already running/);
  assert.match(up.stderr, /Kafka already running/);
  const out = spawnSync(process.execPath, ['bin/lakehouse.js', 'stack', 'env'], { encoding: 'utf8' });
  assert.equal(out.stdout, `DATABASE_URL=${env.DATABASE_URL}\nKAFKA_BROKERS=${env.KAFKA_BROKERS}\n`);
  const c = new pg.Client({ connectionString: env.DATABASE_URL });
  await c.connect();
  const { rows } = await c.query('show wal_level');
  await c.end();
  assert.equal(rows[0].wal_level, 'logical');
});

test('a missing java and mvn are one clear error naming both packages to install', () => {
  // A PATH with node and nothing else: no java, no mvn, and no apt-get to install them with.
  const bin = mkdtempSync(join(tmpdir(), 'nojava-'));
  symlinkSync(process.execPath, join(bin, 'node'));
  const dir = mkdtempSync(join(tmpdir(), 'stack-nojava-'));
  try {
    const res = spawnSync(join(bin, 'node'), ['bin/lakehouse.js', 'stack', 'up'], {
      encoding: 'utf8',
      env: { PATH: bin, LAKEHOUSE_STACK_DIR: dir, LAKEHOUSE_PG_PORT: '54349', LAKEHOUSE_KAFKA_PORT: '29400' },
    });
    assert.equal(res.status, 1, res.stderr);
    assert.match(res.stderr, /missing: java \(runs the local Kafka broker\); mvn \(fetches the Kafka broker from Maven Central\)/);
    assert.match(res.stderr, /fix: +(sudo )?apt-get install openjdk-17-jre-headless maven/);
  } finally {
    spawnSync(process.execPath, ['bin/lakehouse.js', 'stack', 'down'], { env: { ...process.env, LAKEHOUSE_STACK_DIR: dir, LAKEHOUSE_PG_PORT: '54349', LAKEHOUSE_KAFKA_PORT: '29400' } });
    rmSync(dir, { recursive: true, force: true });
    rmSync(bin, { recursive: true, force: true });
  }
});

test('every command answers --help', () => {
  for (const args of [[], ['stack'], ['stack', 'up'], ['stack', 'down'], ['stack', 'env'], ['cdc'], ['generate'], ['config'], ['config', 'show'], ['config', 'docs']]) {
    const res = spawnSync(process.execPath, ['bin/lakehouse.js', ...args, '--help'], { encoding: 'utf8' });
    assert.equal(res.status, 0, `${args.join(' ')}: ${res.stderr}`);
    assert.match(res.stdout, /^Usage: lakehouse/, args.join(' '));
  }
});

test('stack down --wipe stops the servers and deletes their data; the next up starts empty', { timeout: 300_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stack-wipe-'));
  chmodSync(dir, 0o755); // the postgres account runs the server and must reach its folder
  const env = { ...process.env, LAKEHOUSE_STACK_DIR: dir, LAKEHOUSE_PG_PORT: '54359', LAKEHOUSE_KAFKA_PORT: '29410' };
  const cli = (...args: string[]) => spawnSync(process.execPath, ['bin/lakehouse.js', 'stack', ...args], { encoding: 'utf8', env });
  const databases = async () => {
    const url = cli('env').stdout.match(/^DATABASE_URL=(.*)$/m)?.[1];
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      return (await c.query('select datname from pg_database order by 1')).rows.map((r) => r.datname as string);
    } finally {
      await c.end();
    }
  };
  try {
    const up = cli('up');
    assert.equal(up.status, 0, up.stderr);
    const c = new pg.Client({ connectionString: cli('env').stdout.match(/^DATABASE_URL=(.*)$/m)?.[1] });
    await c.connect();
    await c.query('create database left_behind');
    await c.end();
    assert.ok((await databases()).includes('left_behind'));

    const wipe = cli('down', '--wipe');
    assert.equal(wipe.status, 0, wipe.stderr);
    assert.match(wipe.stderr, /deleted .*postgres/);
    assert.match(wipe.stderr, /deleted .*kafka/);
    assert.deepEqual(readdirSync(dir), []);

    const again = cli('up');
    assert.equal(again.status, 0, again.stderr);
    assert.equal((await databases()).includes('left_behind'), false);
  } finally {
    cli('down');
    rmSync(dir, { recursive: true, force: true });
  }
});
