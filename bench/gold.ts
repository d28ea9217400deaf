// `npm run bench -- gold [--activities N] [--rate R] [--seconds S] [--commit-ms MS]`
// 1. Silver with the demo's 161 employees, the AFCON stadiums, matches and crowd readings, and N
//    (default 1,000,000) activities; a full recomputation of gold from it, timed (target < 30 s).
// 2. `lakehouse gold` as a child process (default settings: a poll every 250 ms) follows silver
//    while activity changes are applied to silver at R per second (default 1,000: 70 % new
//    activities, 20 % edits and 10 % deletions of recent ones), one silver MERGE every MS
//    (default 250) ms, for S seconds (default 60). Each change's source time is the moment it was
//    due, so the latency includes waiting for its silver commit. A change is in gold when the
//    kpis table (the last one a refresh commits) records a silver activities version that
//    includes it; the watcher checks for gold's next commit file every 10 ms. Target: p99 < 5 s.
// 3. One employee renamed: the refresh that rewrites that employee's activities, timed.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setLogLevel } from '../common/log.js';
import { makeEmployees, makeMatches, makeReadings, rng } from '../demo/generate.js';
import { SPORTS, SPORT_PROFILE, STADIUMS } from '../demo/reference-data.js';
import { txnAppId } from '../lake/gold/gold-writer.js';
import { silverPath } from '../lake/gold/silver-inputs.js';
import { goldEngine } from '../lake/gold/testing/gold-harness.js';
import { SilverFixture } from '../lake/gold/testing/silver-fixture.js';
import type { Row } from '../lake/index.js';
import { projectRoot } from '../stack/paths.js';

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An activity of the demo's shape, starting at `start`. */
function activity(r: () => number, id: bigint, employeeId: number, start: Date): Row {
  const sport = SPORTS[Math.floor(r() * SPORTS.length)]!;
  const p = SPORT_PROFILE[sport];
  const elapsed = Math.round((p.minutes[0] + r() * (p.minutes[1] - p.minutes[0])) * 60);
  return {
    activity_id: id, employee_id: employeeId, start_time: start, sport_type: sport,
    distance_m: p.distanceM ? (Math.round((p.distanceM[0] + r() * (p.distanceM[1] - p.distanceM[0])) / 10) * 10).toFixed(1) : null,
    elapsed_s: elapsed, end_time: new Date(start.getTime() + elapsed * 1000), comment: r() < 0.3 ? 'Belle sortie !' : null,
  };
}

/** The silver versions the newest gold/kpis commit records (kpis is the last table a refresh commits). */
class GoldWatcher {
  private next = 0;
  private readonly covered = new Map<string, number>();
  constructor(private readonly root: string) {}

  coveredOf(table: 'activities' | 'employees'): number {
    return this.covered.get(txnAppId(silverPath('public', table))) ?? -1;
  }

  /** Reads gold/kpis commits not read yet; true if there were any. */
  poll(): boolean {
    let moved = false;
    for (;;) {
      const file = join(this.root, 'gold', 'kpis', '_delta_log', `${String(this.next).padStart(20, '0')}.json`);
      if (!existsSync(file)) return moved;
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        if (!line.includes('"txn"')) continue;
        const txn = (JSON.parse(line) as { txn: { appId: string; version: number } }).txn;
        this.covered.set(txn.appId, txn.version);
      }
      this.next++;
      moved = true;
    }
  }
}

async function spawnGold(root: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(projectRoot(), 'bin', 'lakehouse.js'), 'gold'], {
    env: { ...process.env, LAKE_ROOT: root, LAKEHOUSE_CONFIG: '', LOG_LEVEL: 'info', METRICS_PORT: '0' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    let buf = '';
    child.stderr!.on('data', (d: Buffer) => {
      buf += d.toString();
      if (/gold resumed|gold recomputed/.test(buf)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`lakehouse gold exited (${code}):\n${buf.slice(-3000)}`)));
  });
  return child;
}

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { activities: { type: 'string' }, rate: { type: 'string' }, seconds: { type: 'string' }, 'commit-ms': { type: 'string' } } });
  const total = Number(values.activities ?? 1_000_000);
  const rate = Number(values.rate ?? 1000);
  const seconds = Number(values.seconds ?? 60);
  const commitMs = Number(values['commit-ms'] ?? 250);
  setLogLevel('warn');
  const root = mkdtempSync(join(tmpdir(), 'gold-bench-'));
  let child: ChildProcess | undefined;
  try {
    // ---- silver
    const r = rng(2025);
    const silver = new SilverFixture(root);
    const employees = makeEmployees(r);
    await silver.change('employees', employees as unknown as Row[]);
    await silver.change('stadiums', STADIUMS.map((s) => ({ stadium_id: s.id, name: s.name, city: s.city, capacity: s.capacity })));
    const matches = makeMatches(r);
    await silver.change('matches', matches as unknown as Row[]);
    let readingId = 1n;
    await silver.change('crowd_readings', matches.flatMap((m) => makeReadings(r, m)).map((x) => ({ ...x, reading_id: readingId++ })));
    const yearStart = Date.UTC(2025, 0, 1);
    let nextId = 1n;
    const t0 = performance.now();
    for (let loaded = 0; loaded < total; ) {
      const n = Math.min(100_000, total - loaded);
      const rows: Row[] = new Array(n);
      for (let i = 0; i < n; i++) rows[i] = activity(r, nextId++, employees[Math.floor(r() * employees.length)]!.employee_id, new Date(yearStart + r() * 365 * 86_400_000));
      await silver.load('activities', rows);
      loaded += n;
    }
    const loadS = (performance.now() - t0) / 1000;
    console.log(`gold: silver holds ${total.toLocaleString('en')} activities, 161 employees, ${matches.length} matches (loaded in ${loadS.toFixed(1)} s)`);

    // ---- full recomputation
    let peakRss = 0;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
    const t1 = performance.now();
    const engine = goldEngine(root);
    await engine.start({ full: true });
    const fullS = (performance.now() - t1) / 1000;
    clearInterval(sampler);
    const counts = engine.rowCounts();
    console.log(`  full recomputation: ${fullS.toFixed(1)} s (${Math.round(total / fullS).toLocaleString('en')} activities/s, peak RSS ${Math.round(peakRss / 2 ** 20)} MB; target < 30 s)`);
    console.log(`    rows: ${Object.entries(counts).map(([k, v]) => `${k} ${v.toLocaleString('en')}`).join(', ')}`);

    // ---- change-to-gold latency, gold in its own process
    child = await spawnGold(root);
    const watcher = new GoldWatcher(root);
    watcher.poll();
    const pending: Array<{ version: number; times: number[] }> = [];
    const latencies: number[] = [];
    let watching = true;
    const watch = (async () => {
      while (watching || pending.length) {
        if (watcher.poll()) {
          const now = Date.now();
          while (pending.length && pending[0]!.version <= watcher.coveredOf('activities')) for (const ts of pending.shift()!.times) latencies.push(now - ts);
        }
        await sleep(10);
      }
    })();
    const recent: bigint[] = [];
    const started = Date.now();
    let due = 0;
    let applied = 0;
    let commits = 0;
    while (Date.now() - started < seconds * 1000) {
      await sleep(Math.max(0, started + (commits + 1) * commitMs - Date.now()));
      const now = Date.now();
      const target = Math.floor(((now - started) / 1000) * rate);
      const upserts: Row[] = [];
      const deletes: bigint[] = [];
      const times: number[] = [];
      for (; due < target; due++) {
        const ts = started + (due * 1000) / rate;
        const x = r();
        if (x < 0.7 || recent.length < 100) {
          const e = employees[Math.floor(r() * employees.length)]!;
          const a = activity(r, nextId++, e.employee_id, new Date(ts - 3600_000));
          recent.push(a.activity_id as bigint);
          upserts.push({ ...a });
        } else {
          // edits and deletions of the last 5,000 activities, as people correct what they just recorded
          const id = recent[recent.length - 1 - Math.floor(r() * Math.min(recent.length, 5000))]!;
          if (x < 0.9) upserts.push({ ...activity(r, id, employees[Math.floor(r() * employees.length)]!.employee_id, new Date(ts - 7200_000)) });
          else {
            deletes.push(id);
            recent.splice(recent.lastIndexOf(id), 1);
          }
        }
        times.push(ts);
      }
      if (upserts.length === 0 && deletes.length === 0) continue;
      // latencies count from each change's due time; the silver rows carry the commit's earliest one
      const version = await silver.change('activities', upserts, deletes, { sourceTs: new Date(times[0]!) });
      pending.push({ version, times });
      applied += times.length;
      commits++;
    }
    const writeS = (Date.now() - started) / 1000;
    watching = false;
    await watch;
    latencies.sort((a, b) => a - b);
    const lat = { p50: percentile(latencies, 50), p90: percentile(latencies, 90), p99: percentile(latencies, 99), max: latencies[latencies.length - 1] ?? NaN };
    console.log(`  change-to-gold at ${Math.round(applied / writeS)} activity changes/s (${applied.toLocaleString('en')} changes in ${commits} silver commits, one every ${commitMs} ms):`);
    console.log(`    p50 ${lat.p50} ms, p90 ${lat.p90} ms, p99 ${lat.p99} ms, max ${lat.max} ms (target p99 < 5000 ms)`);

    // ---- an employee renamed: their activities are rewritten
    const renamed = employees[0]!;
    const t2 = Date.now();
    const employeesVersion = await silver.change('employees', [{ ...renamed, last_name: `${renamed.last_name}-Renommé` }]);
    while (watcher.coveredOf('employees') < employeesVersion) {
      if (Date.now() - t2 > 300_000) throw new Error('the rename did not reach gold within 5 minutes');
      await sleep(10);
      watcher.poll();
    }
    const renameS = (Date.now() - t2) / 1000;
    const perEmployee = Math.round(total / employees.length);
    console.log(`  employee renamed (about ${perEmployee.toLocaleString('en')} of their activities rewritten in activities_enriched): in gold after ${renameS.toFixed(1)} s`);

    const result = {
      bench: 'gold',
      activities: total,
      full_recompute_s: Number(fullS.toFixed(2)),
      full_recompute_activities_per_s: Math.round(total / fullS),
      full_recompute_peak_rss_mb: Math.round(peakRss / 2 ** 20),
      change_rate_per_s: Math.round(applied / writeS),
      changes: applied,
      silver_commit_ms: commitMs,
      change_to_gold_ms: lat,
      employee_rename_s: Number(renameS.toFixed(2)),
      target_p99_ms: 5000,
      target_full_recompute_s: 30,
    };
    console.log(JSON.stringify(result));
  } finally {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(root, { recursive: true, force: true });
  }
}
