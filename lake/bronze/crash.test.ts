// Nothing lost, nothing doubled, proved by killing processes: the bronze writer is killed with
// SIGKILL at five random moments during 200,000 changes over three tables (compaction running
// beside it), and two bronze writers share one consumer group. Afterwards each bronze table holds
// every committed change exactly once, in commit order per key, as our reader and delta-rs read it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { cdcTestEnv, dropSlot, eventually, startCapture } from '../../test/support/cdc.js';
import { killHard, lakeEnv, spawnBronze, tableRows, tempLake } from '../../test/support/pipeline.js';
import { KvWorkload } from '../../test/support/workload.js';
import { deltalakeRead } from '../testing/deltalake-oracle.js';
import { DeltaTable, type Row } from '../index.js';

const TABLES = ['kv_a', 'kv_b', 'kv_c'];

/** Per key, the changes bronze holds in position order, in the workload's notation. */
function perKey(rows: Row[]): Map<number, string[]> {
  const sorted = [...rows].sort((a, b) => (String(a._position) < String(b._position) ? -1 : 1));
  const out = new Map<number, string[]>();
  for (const r of sorted) {
    const id = Number(r.id);
    if (!out.has(id)) out.set(id, []);
    out.get(id)!.push(r._op === 'd' ? 'd' : `${r._op === 'u' ? 'u' : 'c'}${r.v}`);
  }
  return out;
}

async function checkExactlyOnce(root: string, works: Map<string, KvWorkload>): Promise<void> {
  for (const [table, work] of works) {
    const path = `bronze/public/${table}`;
    const rows = await eventually(`every change of ${table} in bronze`, async () => {
      const r = await tableRows(root, path);
      return r.length >= work.expected.changes ? r : undefined;
    }, 180_000);
    assert.equal(rows.length, work.expected.changes, `${table}: each committed change exactly once`);
    assert.equal(new Set(rows.map((r) => r._position)).size, rows.length, `${table}: no change twice`);
    const got = perKey(rows);
    let shown = 0;
    for (const [id, want] of work.expected.perKey) {
      const have = got.get(id) ?? [];
      if (JSON.stringify(have) !== JSON.stringify(want) && shown++ < 3) {
        assert.fail(`${table} key ${id}: bronze has ${JSON.stringify(have)}, PostgreSQL committed ${JSON.stringify(want)}`);
      }
    }
    // delta-rs reads the same table: the same changes, by position
    const [theirs] = deltalakeRead([{ path: join(root, path), rows: true, columns: ['_position', '_op'] }]);
    assert.ok(!theirs!.error, theirs!.error);
    const theirPositions = (theirs!.rows as Array<{ _position: string }>).map((r) => r._position);
    assert.equal(theirPositions.length, work.expected.changes, `${table}: delta-rs reads every change once`);
    assert.equal(new Set(theirPositions).size, theirPositions.length);
  }
}

test('bronze killed -9 at five random moments during 200,000 changes: every change once, per-key order kept', { timeout: 900_000 }, async () => {
  const TOTAL = 200_000;
  const env = await cdcTestEnv({ KAFKA_PARTITIONS: '3' });
  const lake = tempLake();
  const works = new Map(TABLES.map((t) => [t, new KvWorkload(env.DATABASE_URL, t)]));
  for (const w of works.values()) await w.open();
  const capture = await startCapture(env);
  const wenv = lakeEnv(env, lake.root, { LAKE_COMPACT_INTERVAL_MS: '2000', LAKE_COMPACT_MIN_FILES: '8', BRONZE_SESSION_TIMEOUT_MS: '6000' });
  const log: string[] = [];
  let child: ChildProcess = await spawnBronze(wenv, log);
  const killAt = Array.from({ length: 5 }, () => Math.floor(TOTAL * (0.05 + Math.random() * 0.9))).sort((a, b) => a - b);
  let kills = 0;
  let restarting: Promise<void> = Promise.resolve();
  const committed = () => [...works.values()].reduce((n, w) => n + w.expected.changes, 0);
  try {
    let i = 0;
    while (committed() < TOTAL) {
      await works.get(TABLES[i++ % TABLES.length]!)!.transaction(1 + Math.floor(Math.random() * 40));
      if (kills < killAt.length && committed() >= killAt[kills]!) {
        await restarting;
        kills++;
        const victim = child;
        restarting = (async () => {
          await killHard(victim);
          child = await spawnBronze(wenv, log);
        })();
      }
    }
    await restarting;
    assert.equal(kills, 5);
    await checkExactlyOnce(lake.root, works);
    const history = await (await DeltaTable.open(lake.root, 'bronze/public/kv_a')).history();
    assert.ok(history.some((h) => h.operation === 'OPTIMIZE'), 'compaction ran beside the writer');
  } catch (e) {
    process.stderr.write(log.join('').slice(-4000));
    throw e;
  } finally {
    await killHard(child);
    for (const w of works.values()) await w.close();
    await capture.stop();
    await dropSlot(env);
    lake.remove();
  }
});

test('two bronze writers in one consumer group share the partitions and write each change once', { timeout: 600_000 }, async () => {
  const env = await cdcTestEnv({ KAFKA_PARTITIONS: '3' });
  const lake = tempLake();
  const works = new Map(TABLES.map((t) => [t, new KvWorkload(env.DATABASE_URL, t)]));
  for (const w of works.values()) await w.open();
  const capture = await startCapture(env);
  const wenv = lakeEnv(env, lake.root, { BRONZE_SESSION_TIMEOUT_MS: '6000' });
  const log: string[] = [];
  const first = await spawnBronze(wenv, log);
  let second: ChildProcess | undefined;
  try {
    let i = 0;
    const committed = () => [...works.values()].reduce((n, w) => n + w.expected.changes, 0);
    while (committed() < 30_000) {
      await works.get(TABLES[i++ % TABLES.length]!)!.transaction(1 + Math.floor(Math.random() * 20));
      if (!second && committed() > 5_000) second = await spawnBronze(wenv, log); // joins: the group rebalances
    }
    await checkExactlyOnce(lake.root, works);
    // both processes committed: each names itself in commitInfo.engineInfo
    const writers = new Set<string>();
    for (const t of TABLES) {
      for (const h of await (await DeltaTable.open(lake.root, `bronze/public/${t}`)).history()) {
        if (h.operation === 'WRITE') writers.add(String(h.commitInfo.engineInfo));
      }
    }
    assert.equal(writers.size, 2, `commits by both writers: ${[...writers].join(', ')}`);
  } catch (e) {
    process.stderr.write(log.join('').slice(-4000));
    throw e;
  } finally {
    await killHard(first);
    if (second) await killHard(second);
    for (const w of works.values()) await w.close();
    await capture.stop();
    await dropSlot(env);
    lake.remove();
  }
});
