// The pipeline with its lake on S3 (a real versitygw), on the real PostgreSQL and Kafka: bronze
// killed -9 twice keeps every change exactly once (our reader and deltalake agree), silver equals
// the source table, and no log line of the writers holds the S3 secret.

import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, test } from 'node:test';
import { cdcTestEnv, dropSlot, eventually, sql, startCapture } from '../test/support/cdc.js';
import { s3Lake, stopObjectStores } from '../test/support/object-stores.js';
import { killHard, lakeEnv, spawnBronze, startBronze, startSilver, tableRows } from '../test/support/pipeline.js';
import { KvWorkload } from '../test/support/workload.js';
import { DeltaTable } from './index.js';
import { deltalakeRead } from './testing/deltalake-oracle.js';

after(stopObjectStores);

test('bronze on S3 killed -9 twice during 20,000 changes: every change once, as deltalake reads it too', { timeout: 900_000 }, async () => {
  const TOTAL = 20_000;
  const env = await cdcTestEnv({ KAFKA_PARTITIONS: '3' });
  const { root, server } = await s3Lake();
  const tables = ['kv_a', 'kv_b'];
  const works = new Map(tables.map((t) => [t, new KvWorkload(env.DATABASE_URL, t)]));
  for (const w of works.values()) await w.open();
  const capture = await startCapture(env);
  const wenv = { ...lakeEnv(env, root, { BRONZE_SESSION_TIMEOUT_MS: '6000', LAKE_COMPACT_INTERVAL_MS: '3000', LAKE_COMPACT_MIN_FILES: '8' }), ...server.env };
  const log: string[] = [];
  let child: ChildProcess = await spawnBronze(wenv, log);
  const committed = () => [...works.values()].reduce((n, w) => n + w.expected.changes, 0);
  const killAt = [TOTAL * 0.3, TOTAL * 0.7];
  try {
    let i = 0;
    while (committed() < TOTAL) {
      await works.get(tables[i++ % tables.length]!)!.transaction(1 + Math.floor(Math.random() * 40));
      if (killAt.length && committed() >= killAt[0]!) {
        killAt.shift();
        await killHard(child);
        child = await spawnBronze(wenv, log);
      }
    }
    for (const [table, work] of works) {
      const path = `bronze/public/${table}`;
      const rows = await eventually(`every change of ${table} in bronze on S3`, async () => {
        const r = await tableRows(root, path);
        return r.length >= work.expected.changes ? r : undefined;
      }, 300_000);
      assert.equal(rows.length, work.expected.changes, `${table}: each committed change exactly once`);
      assert.equal(new Set(rows.map((r) => r._position)).size, rows.length, `${table}: no change twice`);
      const [theirs] = deltalakeRead([{ path: `${root}/${path}`, rows: true, columns: ['_position'], storageOptions: { ...server.env, AWS_VIRTUAL_HOSTED_STYLE_REQUEST: 'false' } }]);
      assert.equal(theirs!.error, undefined, theirs!.error);
      assert.equal(theirs!.rows!.length, work.expected.changes, `${table}: deltalake reads every change once`);
    }
    const text = log.join('');
    assert.match(text, /bronze writer ready/);
    assert.ok(text.includes(root), 'the log names the lake');
    assert.ok(!text.includes(server.secretKey), 'the S3 secret is in no log line');
  } catch (e) {
    process.stderr.write(log.join('').slice(-4000));
    throw e;
  } finally {
    await killHard(child);
    for (const w of works.values()) await w.close();
    await capture.stop();
    await dropSlot(env);
  }
});

test('bronze and silver on S3: silver equals the source table', { timeout: 600_000 }, async () => {
  const env = await cdcTestEnv();
  const { root } = await s3Lake();
  const work = new KvWorkload(env.DATABASE_URL, 'kv');
  await work.open();
  const capture = await startCapture(env);
  const wenv = lakeEnv(env, root);
  const bronze = await startBronze(wenv);
  const silver = startSilver(wenv);
  try {
    while (work.expected.changes < 3000) await work.transaction(1 + Math.floor(Math.random() * 30));
    const source = (await sql(env.DATABASE_URL, 'select id, v from kv')).rows.map((r: { id: number; v: number }) => `${r.id}:${r.v}`).sort();
    const rows = await eventually('silver on S3 to equal the source', async () => {
      const s = (await tableRows(root, 'silver/public/kv')).map((r) => `${r.id}:${r.v}`).sort();
      return JSON.stringify(s) === JSON.stringify(source) ? s : undefined;
    }, 300_000);
    assert.deepEqual(rows, source);
    const t = await DeltaTable.open(root, 'silver/public/kv');
    assert.match(t.location, /^s3:\/\//);
  } finally {
    await silver.stop();
    await bronze.stop();
    await work.close();
    await capture.stop();
    await dropSlot(env);
  }
});
