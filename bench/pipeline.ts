// `npm run bench -- pipeline [--changes N] [--rate R] [--seconds S] [--root ROOT|versitygw]`:
// PostgreSQL commits to rows in bronze and silver, on this machine with every server on it; the
// lake in a temporary folder, or on an object store (--root, see bench/support/lake-root.ts).
//
//   1. throughput: a backlog of N changes (transactions of 10: inserts, updates, deletes) is put on
//      the broker by the capture; then the bronze writer drains it (changes/s from its start to the
//      last commit), then silver applies all of bronze (changes/s).
//   2. latency: capture, bronze and silver run together while a writer commits R changes/s for S
//      seconds. Latencies are read back from the lake afterwards, exactly: commit-to-bronze is the
//      bronze commit's timestamp minus each row's source commit time; commit-to-silver is the time
//      of the silver commit whose txn first covers the row's bronze version.
// The capture runs in this process; bronze and silver run as `lakehouse bronze` and
// `lakehouse silver` child processes, as in production, and each one's peak resident memory
// (VmHWM) is read from /proc when it stops.

import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { loadConfig } from '../common/config.js';
import { setLogLevel } from '../common/log.js';
import { Capture } from '../cdc/capture.js';
import { DeltaTable, tableStorage } from '../lake/index.js';
import { defaultStack, stackEnv, stackUp } from '../stack/stack.js';
import { freshDatabase, uniqueName } from '../test/support/stack.js';
import { benchLake } from './support/lake-root.js';
import { readFileSync } from 'node:fs';
import { projectRoot } from '../stack/paths.js';

const TABLE = `(id bigint primary key, account int not null, kind text not null, amount numeric(12,2), rate double precision,
  flag boolean, note text, created_at timestamptz not null default now(), day date, tags text[])`;
const ROW = `g, g % 1000, 'kind-' || (g % 7), (g % 100000) / 100.0, g * 0.5, g % 2 = 0, 'note ' || g, now(), current_date, array['a', 'b']`;
const BRONZE = 'bronze/public/mixed';
const SILVER = 'silver/public/mixed';

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A part as its own process, and its peak resident memory in MB when it is stopped. */
function startPart(part: 'bronze' | 'silver', env: Record<string, string>): { child: ChildProcess; stop(): Promise<number> } {
  const child = spawn(process.execPath, [join(projectRoot(), 'bin', 'lakehouse.js'), part], {
    env: { ...process.env, ...env, LAKEHOUSE_CONFIG: '', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return {
    child,
    async stop() {
      let peak = 0;
      if (child.exitCode !== null || child.signalCode !== null) return peak;
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        peak = m ? Math.round(Number(m[1]) / 1024) : 0;
      } catch {
        // not on Linux, or already gone
      }
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      return peak;
    },
  };
}

/** Rows in a table by its add actions' statistics (no data read), or 0 when it does not exist. */
async function rowCount(root: string, path: string): Promise<number> {
  try {
    const t = await DeltaTable.open(root, path);
    let n = 0;
    for (const a of t.snapshot.files.values()) n += a.stats ? Number((JSON.parse(a.stats) as { numRecords?: number }).numRecords ?? 0) : 0;
    return n;
  } catch {
    return 0;
  }
}

/** Commit timestamp and txn versions of each commit of a table, from its JSON commit files. */
async function commitLog(root: string, path: string, from: number, to: number): Promise<Array<{ version: number; ts: number; txn: Map<string, number> }>> {
  const out = [];
  const storage = tableStorage(root, path);
  for (let v = from; v <= to; v++) {
    const text = Buffer.from((await storage.read(`_delta_log/${String(v).padStart(20, '0')}.json`))!).toString('utf8');
    let ts = 0;
    const txn = new Map<string, number>();
    for (const line of text.split('\n')) {
      if (!line) continue;
      const a = JSON.parse(line) as { commitInfo?: { timestamp: number }; txn?: { appId: string; version: number } };
      if (a.commitInfo) ts = a.commitInfo.timestamp;
      if (a.txn) txn.set(a.txn.appId, a.txn.version);
    }
    out.push({ version: v, ts, txn });
  }
  return out;
}

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { changes: { type: 'string' }, rate: { type: 'string' }, seconds: { type: 'string' }, root: { type: 'string' } } });
  const changes = Number(values.changes ?? 200_000);
  const rate = Number(values.rate ?? 5000);
  const seconds = Number(values.seconds ?? 30);
  if (!process.env.LOG_LEVEL) setLogLevel('warn');
  const stack = defaultStack();
  await stackUp(stack);
  const base = stackEnv(stack);
  const name = uniqueName('benchpipe');
  const url = await freshDatabase(base, name);
  const lake = await benchLake(values.root);
  const env = {
    ...lake.env,
    DATABASE_URL: url, KAFKA_BROKERS: base.KAFKA_BROKERS, TOPIC_PREFIX: name, CDC_SLOT: `${name}_slot`, CDC_PUBLICATION: `${name}_pub`,
    METRICS_PORT: '0', CDC_HEARTBEAT_INTERVAL_MS: '0', LAKE_ROOT: lake.root, BRONZE_GROUP_ID: `${name}-bronze`,
  };
  const config = loadConfig({ env: { ...process.env, ...env }, file: undefined });
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  let peakRss = 0;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
  }, 50);
  const out: Record<string, number> = {};
  const stops: Array<() => Promise<void>> = [];
  try {
    await db.query(`create table mixed ${TABLE}`);
    // 1. throughput: the backlog on the broker first
    let streaming: () => void = () => undefined;
    const ready = new Promise<void>((r) => (streaming = r));
    const capture = new Capture(config, { onStreaming: () => streaming() });
    const captured = capture.run();
    stops.push(async () => { await capture.stop(); await captured; });
    await ready;
    process.stdout.write(`putting a backlog of ${changes.toLocaleString('en')} changes on the broker...\n`);
    const writers = await Promise.all([0, 1, 2, 3].map(async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      return c;
    }));
    let written = 0;
    let nextId = 1;
    await Promise.all(writers.map(async (c) => {
      while (written < changes) {
        const b = nextId;
        nextId += 6;
        written += 10;
        await c.query(`begin; insert into mixed select ${ROW} from generate_series(${b}, ${b + 5}) g;
          update mixed set amount = amount + 1 where id in (${b}, ${b + 1}, ${b + 2});
          delete from mixed where id = ${b + 3}; commit`);
      }
    }));
    const target = (await db.query<{ l: string }>('select pg_current_wal_lsn()::text as l')).rows[0]!.l;
    for (;;) {
      const r = await db.query<{ ok: boolean }>('select confirmed_flush_lsn >= $1::pg_lsn as ok from pg_replication_slots where slot_name = $2', [target, env.CDC_SLOT]);
      if (r.rows[0]?.ok) break;
      await sleep(50);
    }

    process.stdout.write('draining it into bronze (lakehouse bronze, its own process)...\n');
    const t1 = Date.now();
    let bronze = startPart('bronze', env);
    stops.push(async () => void (await bronze.stop()));
    let bronzeRows = 0;
    while ((bronzeRows = await rowCount(lake.root, BRONZE)) < written) await sleep(100);
    const bronzeSecs = (Date.now() - t1) / 1000;
    out.bronze_changes = bronzeRows;
    out.bronze_changes_per_s = Math.round(bronzeRows / bronzeSecs);
    const bronzeTable = await DeltaTable.open(lake.root, BRONZE);
    out.bronze_commits = bronzeTable.version;
    // sustained: from the first data commit to the last, start-up and group join left out
    const drained = await commitLog(lake.root, BRONZE, 1, bronzeTable.version);
    const firstRows = (await bronzeTable.changesSince(0, 1)).reduce((n, c) => n + c.added.reduce((m, a) => m + Number((JSON.parse(a.stats ?? '{}') as { numRecords?: number }).numRecords ?? 0), 0), 0);
    const span = (drained[drained.length - 1]!.ts - drained[0]!.ts) / 1000;
    if (drained.length > 1 && span > 0) out.bronze_sustained_changes_per_s = Math.round((bronzeRows - firstRows) / span);
    out.bronze_drain_peak_rss_mb = await bronze.stop();

    process.stdout.write('applying bronze to silver (lakehouse silver, its own process)...\n');
    const t2 = Date.now();
    let silver = startPart('silver', env);
    stops.push(async () => void (await silver.stop()));
    for (;;) {
      const s = await DeltaTable.open(lake.root, SILVER).catch(() => undefined);
      if ((s?.txnVersion(BRONZE) ?? -1) >= bronzeTable.version) break;
      await sleep(100);
    }
    const silverSecs = (Date.now() - t2) / 1000;
    out.silver_changes_per_s = Math.round(written / silverSecs);
    out.silver_catch_up_peak_rss_mb = await silver.stop();

    // 2. latency at a fixed rate, every part running
    process.stdout.write(`measuring commit-to-bronze and commit-to-silver latency at ${rate.toLocaleString('en')} changes/s for ${seconds} s...\n`);
    const bronzeFrom = (await DeltaTable.open(lake.root, BRONZE)).version + 1;
    const silverFrom = (await DeltaTable.open(lake.root, SILVER)).version + 1;
    bronze = startPart('bronze', env);
    silver = startPart('silver', env);
    // both parts running and caught up before the clock starts: one change through to silver
    await writers[0]!.query(`insert into mixed select ${ROW} from generate_series(${nextId}, ${nextId}) g`);
    const probe = nextId++;
    for (;;) {
      const s = await DeltaTable.open(lake.root, SILVER);
      const rows = await s.rows({ filters: [{ column: 'id', op: '=', value: BigInt(probe) }], columns: ['id'] });
      if (rows.length) break;
      await sleep(100);
    }
    peakRss = process.memoryUsage().rss;
    // Two writers share the rate. Updates and deletes touch the 5,000 most recently inserted rows,
    // as order or activity workloads do: silver is copy-on-write (no deletion vectors yet), so a
    // change rewrites the file that holds its key, and uniform updates over a big table would
    // rewrite all of it on every merge (docs/pipeline.md says so).
    const perTick = Math.max(10, Math.round(rate / 200));
    const start = Date.now();
    let sent = 0;
    const firstLive = nextId;
    const pick = (k: number) => {
      const lo = Math.max(firstLive, nextId - 5000);
      const span = Math.max(1, nextId - lo);
      return Array.from({ length: k }, () => lo + Math.floor(Math.random() * span));
    };
    await Promise.all(writers.slice(0, 2).map(async (w) => {
      while (Date.now() - start < seconds * 1000) {
        const due = Math.floor(((Date.now() - start) / 1000) * rate);
        if (sent >= due) {
          await sleep(2);
          continue;
        }
        // 60 % inserts, 30 % updates, 10 % deletes
        const n = Math.min(perTick, due - sent);
        sent += n;
        const ins = Math.max(1, Math.round(n * 0.6));
        const upd = Math.round(n * 0.3);
        const del = Math.max(0, n - ins - upd);
        const b = nextId;
        nextId += ins;
        await w.query(`begin; insert into mixed select ${ROW} from generate_series(${b}, ${b + ins - 1}) g;
          update mixed set amount = amount + 1 where id = any(array[${pick(upd).join(',') || 0}]::bigint[]);
          delete from mixed where id = any(array[${pick(del).join(',') || 0}]::bigint[]); commit`);
      }
    }));
    out.latency_rate_changes_per_s = Math.round(sent / seconds);
    // let the last changes through, then read the latencies back from the lake
    const endLsn = (await db.query<{ l: string }>('select pg_current_wal_lsn()::text as l')).rows[0]!.l;
    for (;;) {
      const r = await db.query<{ ok: boolean }>('select confirmed_flush_lsn >= $1::pg_lsn as ok from pg_replication_slots where slot_name = $2', [endLsn, env.CDC_SLOT]);
      if (r.rows[0]?.ok) break;
      await sleep(100);
    }
    await sleep(3000);
    let b2 = await DeltaTable.open(lake.root, BRONZE);
    for (let i = 0; i < 200; i++) {
      const s = await DeltaTable.open(lake.root, SILVER);
      if ((s.txnVersion(BRONZE) ?? -1) >= b2.version) break;
      await sleep(100);
      b2 = await DeltaTable.open(lake.root, BRONZE);
    }
    out.capture_peak_rss_mb = Math.round(peakRss / 1048576);
    out.bronze_peak_rss_mb = await bronze.stop();
    out.silver_peak_rss_mb = await silver.stop();
    const s2 = await DeltaTable.open(lake.root, SILVER);
    const bronzeCommits = await commitLog(lake.root, BRONZE, bronzeFrom, b2.version);
    const silverCommits = await commitLog(lake.root, SILVER, silverFrom, s2.version);
    // the silver commit time at which each bronze version was applied
    const appliedAt = new Map<number, number>();
    let covered = bronzeFrom - 1;
    for (const c of silverCommits) {
      const v = c.txn.get(BRONZE);
      if (v === undefined) continue;
      for (let x = covered + 1; x <= v; x++) appliedAt.set(x, c.ts);
      covered = Math.max(covered, v);
    }
    const toBronze: number[] = [];
    const toSilver: number[] = [];
    const changesOf = await b2.changesSince(bronzeFrom - 1);
    for (const c of changesOf) {
      const commit = bronzeCommits.find((x) => x.version === c.version)!;
      for (const add of c.added) {
        for (const r of await b2.readAdded(add, ['_source_ts'])) {
          const src = (r._source_ts as Date).getTime();
          toBronze.push(commit.ts - src);
          const at = appliedAt.get(c.version);
          if (at !== undefined) toSilver.push(at - src);
        }
      }
    }
    toBronze.sort((a, b) => a - b);
    toSilver.sort((a, b) => a - b);
    out.latency_samples = toBronze.length;
    out.commit_to_bronze_p50_ms = percentile(toBronze, 50);
    out.commit_to_bronze_p99_ms = percentile(toBronze, 99);
    out.commit_to_silver_p50_ms = percentile(toSilver, 50);
    out.commit_to_silver_p99_ms = percentile(toSilver, 99);
    for (const c of writers) await c.end();
  } finally {
    clearInterval(sampler);
    for (const s of stops) await s().catch(() => undefined);
    await db.query('select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = $1 and not active', [env.CDC_SLOT]).catch(() => undefined);
    await db.end();
    await lake.remove();
  }
  process.stdout.write(
    [
      `lake:       ${lake.where}`,
      `bronze:     ${out.bronze_changes!.toLocaleString('en')} changes from a broker backlog at ${out.bronze_sustained_changes_per_s?.toLocaleString('en')} changes/s from its first commit to its last (${out.bronze_changes_per_s!.toLocaleString('en')}/s counting process start and group join; ${out.bronze_commits} Delta commits; peak RSS ${out.bronze_drain_peak_rss_mb} MB)`,
      `silver:     the same changes merged at ${out.silver_changes_per_s!.toLocaleString('en')} changes/s (peak RSS ${out.silver_catch_up_peak_rss_mb} MB)`,
      `latency:    at ${out.latency_rate_changes_per_s!.toLocaleString('en')} changes/s: commit-to-bronze p50 ${out.commit_to_bronze_p50_ms} ms, p99 ${out.commit_to_bronze_p99_ms} ms; commit-to-silver p50 ${out.commit_to_silver_p50_ms} ms, p99 ${out.commit_to_silver_p99_ms} ms (${out.latency_samples!.toLocaleString('en')} changes)`,
      `memory:     peak RSS while streaming: capture ${out.capture_peak_rss_mb} MB (with the bench's writers), bronze ${out.bronze_peak_rss_mb} MB, silver ${out.silver_peak_rss_mb} MB`,
      JSON.stringify({ bench: 'pipeline', lake: lake.where, ...out }),
      '',
    ].join('\n'),
  );
  process.exit(0);
}
