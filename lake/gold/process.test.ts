// `lakehouse gold` as users run it: a child process following silver while a random workload
// commits to it, killed with SIGKILL at random moments (inside refreshes too) and started again.
// Afterwards gold equals a from-scratch recomputation, every gold table records the silver
// versions it covers, /metrics and /health report the stage, and --once has nothing left to do.

import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import test from 'node:test';
import { projectRoot } from '../../stack/paths.js';
import { DeltaTable } from '../index.js';
import { tempLake } from '../testing/tmp.js';
import { txnAppId } from './gold-writer.js';
import { goldPath } from './model.js';
import { GOLD_MODELS } from './models.js';
import { silverPath, SILVER_TABLES } from './silver-inputs.js';
import { allGold, goldEngine } from './testing/gold-harness.js';
import { SilverFixture } from './testing/silver-fixture.js';
import { SilverWorkload } from './testing/silver-workload.js';

const BIN = join(projectRoot(), 'bin', 'lakehouse.js');

interface Gold {
  child: ChildProcess;
  port: number;
  log: string[];
}

async function spawnGold(env: Record<string, string>): Promise<Gold> {
  const child = spawn(process.execPath, [BIN, 'gold'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const log: string[] = [];
  const port = await new Promise<number>((resolve, reject) => {
    let buf = '';
    let port = 0;
    const timer = setTimeout(() => reject(new Error(`lakehouse gold was not ready within 60 s:\n${buf.slice(-3000)}`)), 60_000);
    child.stderr!.on('data', (d: Buffer) => {
      buf += d.toString();
      log.push(d.toString());
      port ||= Number(/metrics on http:\/\/[^:]+:(\d+)\/metrics/.exec(buf)?.[1] ?? 0);
      if (port && /gold resumed|gold recomputed/.test(buf)) {
        clearTimeout(timer);
        resolve(port);
      }
    });
    child.once('exit', (code) => reject(new Error(`lakehouse gold exited (${code}) before it was ready:\n${buf.slice(-3000)}`)));
  });
  return { child, port, log };
}

async function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

/** The silver version each gold table records, per silver table. */
async function recorded(root: string): Promise<Record<string, Record<string, number | undefined>>> {
  const out: Record<string, Record<string, number | undefined>> = {};
  for (const m of GOLD_MODELS) {
    const table = await DeltaTable.open(root, goldPath(m));
    out[m.name] = Object.fromEntries(m.dependsOn.map((t) => [t, table.txnVersion(txnAppId(silverPath('public', t)))]));
  }
  return out;
}

async function silverVersions(root: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of SILVER_TABLES) out[t] = (await DeltaTable.open(root, silverPath('public', t))).version;
  return out;
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('lakehouse gold killed with SIGKILL while silver changes: restarted, gold equals a full recomputation and records the silver versions', async (t) => {
  const root = tempLake(t, 'gold-process-');
  const workload = new SilverWorkload(new SilverFixture(root), 4242);
  await workload.seed(30, 8);
  // small files, compacted every second: the kills also land in merges that rewrite several files and in compactions
  const env = {
    LAKE_ROOT: root, LAKEHOUSE_CONFIG: '', LOG_LEVEL: 'info', METRICS_PORT: '0', GOLD_POLL_INTERVAL_MS: '20',
    GOLD_ROWS_PER_FILE: '300', LAKE_COMPACT_INTERVAL_MS: '1000', LAKE_COMPACT_MIN_FILES: '4',
  };

  let gold = await spawnGold(env);
  t.after(() => killHard(gold.child));
  let steps = 0;
  const starts: string[] = [];
  for (let kill = 0; kill < 5; kill++) {
    const until = Date.now() + 300 + Math.random() * 900;
    while (Date.now() < until) {
      await workload.step();
      steps++;
    }
    await killHard(gold.child);
    gold = await spawnGold(env);
    starts.push(/reason=gold tables cover different versions/.test(gold.log.join('')) ? 'recomputed: a refresh was cut' : /gold resumed/.test(gold.log.join('')) ? 'resumed' : 'recomputed');
  }
  t.diagnostic(`restarts: ${starts.join(', ')}`);
  for (let i = 0; i < 10; i++) await workload.step();

  // the last process catches up: every gold table records the latest silver versions
  const latest = await silverVersions(root);
  await until('gold to cover the latest silver versions', async () => {
    const r = await recorded(root);
    return GOLD_MODELS.every((m) => m.dependsOn.every((tb) => r[m.name]![tb] === latest[tb]));
  });

  const metrics = await (await fetch(`http://127.0.0.1:${gold.port}/metrics`)).text();
  const gauge = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics)?.[1] ?? NaN);
  assert.ok(gauge('lakehouse_gold_change_to_gold_seconds_count') > 0, 'change-to-gold latency observed');
  const health = (await (await fetch(`http://127.0.0.1:${gold.port}/health`)).json()) as { status: string; parts: Array<{ name: string; healthy: boolean }> };
  assert.equal(health.status, 'ok');
  assert.ok(health.parts.some((p) => p.name === 'gold' && p.healthy));

  // a polite stop ends the process cleanly
  const exited = new Promise<number | null>((r) => gold.child.once('exit', (code) => r(code)));
  gold.child.kill('SIGTERM');
  assert.equal(await exited, 0);

  const once = spawnSync(process.execPath, [BIN, 'gold', '--once'], { env: { ...process.env, ...env }, encoding: 'utf8' });
  assert.equal(once.status, 0, once.stderr);
  assert.match(once.stdout, /gold was already up to date with silver/);

  const rowsMetric = Number(new RegExp(`^lakehouse_gold_rows\\{model="activities_enriched"\\} (\\S+)$`, 'm').exec(metrics)?.[1]);
  const incremental = await allGold(root);
  assert.equal(rowsMetric, incremental.activities_enriched!.length, 'lakehouse_gold_rows counts the rows of activities_enriched');
  assert.deepEqual(incremental.activities_enriched!.map((r) => r.activity_id), workload.expectedActivityIds());
  const engine = goldEngine(root);
  await engine.start({ full: true });
  const full = await allGold(root);
  for (const name of Object.keys(full)) assert.deepEqual(incremental[name], full[name], `${name} equals a full recomputation after ${steps} silver commits and 5 kills`);
});
