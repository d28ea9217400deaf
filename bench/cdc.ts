// `npm run bench -- cdc [--rows N] [--changes N] [--rate R] [--seconds S]`
// The change capture on this machine, PostgreSQL and the broker beside it:
//  1. snapshot of a 10-column table (default 1,000,000 rows): rows/s and peak resident memory;
//  2. sustained throughput: a backlog of small mixed transactions drained from one slot,
//     changes/s from commit to broker acknowledgement;
//  3. latency: commit-to-broker p50/p99 while a writer commits at a fixed rate (default 5,000/s).
import pg from 'pg';
import { parseArgs } from 'node:util';
import { loadConfig } from '../common/config.js';
import { setLogLevel } from '../common/log.js';
import { Capture } from '../cdc/capture.js';
import { defaultStack, stackEnv, stackUp } from '../stack/stack.js';
import { freshDatabase, uniqueName } from '../test/support/stack.js';

const TABLE = `(id bigint primary key, account int not null, kind text not null, amount numeric(12,2), rate double precision,
  flag boolean, note text, created_at timestamptz not null default now(), day date, tags text[])`;
const ROW = `g, g % 1000, 'kind-' || (g % 7), (g % 100000) / 100.0, g * 0.5, g % 2 = 0, 'note ' || g, now(), current_date, array['a', 'b']`;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { rows: { type: 'string' }, changes: { type: 'string' }, rate: { type: 'string' }, seconds: { type: 'string' } } });
  const rows = Number(values.rows ?? 1_000_000);
  const changes = Number(values.changes ?? 200_000);
  const rate = Number(values.rate ?? 5000);
  const seconds = Number(values.seconds ?? 20);
  setLogLevel('warn');
  const stack = defaultStack();
  await stackUp(stack);
  const base = stackEnv(stack);
  const name = uniqueName('bench');
  const url = await freshDatabase(base, name);
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  const env = { DATABASE_URL: url, KAFKA_BROKERS: base.KAFKA_BROKERS, TOPIC_PREFIX: name, CDC_SLOT: `${name}_slot`, CDC_PUBLICATION: `${name}_pub`, METRICS_PORT: '0', CDC_HEARTBEAT_INTERVAL_MS: '0' };
  const config = loadConfig({ env: { ...process.env, ...env } });
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
  const out: Record<string, number> = {};
  try {
    // 1. snapshot
    process.stdout.write(`preparing ${rows.toLocaleString('en')} rows...\n`);
    await db.query(`create table snap ${TABLE}; insert into snap select ${ROW} from generate_series(1, ${rows}) g; create table mixed ${TABLE}; analyze snap`);
    peakRss = process.memoryUsage().rss;
    out.baseline_rss_mb = Math.round(peakRss / 1048576);
    let durable: ((t: number[], now: number) => void) | undefined;
    let streaming: () => void = () => undefined;
    const ready = new Promise<void>((r) => (streaming = r));
    let capture = new Capture(config, { onStreaming: () => streaming(), onDurable: (t, now) => durable?.(t, now) });
    const t0 = Date.now();
    let done = capture.run();
    await ready;
    const snapSecs = (Date.now() - t0) / 1000;
    out.snapshot_rows = rows;
    out.snapshot_rows_per_s = Math.round(rows / snapSecs);
    out.snapshot_peak_rss_mb = Math.round(peakRss / 1048576);
    await capture.stop();
    await done;

    // 2. throughput: a backlog of small transactions, then one slot drains it
    process.stdout.write(`preparing a backlog of ${changes.toLocaleString('en')} changes in transactions of 10...\n`);
    const writers = await Promise.all([0, 1, 2, 3].map(async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      return c;
    }));
    let written = 0;
    let nextId = 1;
    await Promise.all(writers.map(async (c) => {
      while (written < changes) {
        const base = nextId;
        nextId += 6;
        written += 10;
        await c.query(`begin; insert into mixed select ${ROW} from generate_series(${base}, ${base + 5}) g;
          update mixed set amount = amount + 1 where id in (${base}, ${base + 1}, ${base + 2});
          delete from mixed where id = ${base + 3}; commit`);
      }
    }));
    const target = (await db.query<{ l: string }>('select pg_current_wal_lsn()::text as l')).rows[0]!.l;
    peakRss = process.memoryUsage().rss;
    capture = new Capture(config, { onDurable: (t, now) => durable?.(t, now) });
    const t1 = Date.now();
    let acked = 0;
    durable = (t) => (acked += t.length);
    done = capture.run();
    for (;;) {
      const r = await db.query<{ ok: boolean }>('select confirmed_flush_lsn >= $1::pg_lsn as ok from pg_replication_slots where slot_name = $2', [target, env.CDC_SLOT]);
      if (r.rows[0]?.ok) break;
      await new Promise((r2) => setTimeout(r2, 20));
    }
    const drainSecs = (Date.now() - t1) / 1000;
    out.throughput_changes = written;
    out.throughput_changes_per_s = Math.round(written / drainSecs);
    out.throughput_transactions = acked;
    out.throughput_peak_rss_mb = Math.round(peakRss / 1048576);

    // 3. latency at a fixed rate
    process.stdout.write(`measuring commit-to-broker latency at ${rate.toLocaleString('en')} changes/s for ${seconds} s...\n`);
    const lat: number[] = [];
    durable = (times, now) => {
      for (const t of times) lat.push(now - t);
    };
    const perTick = Math.max(1, Math.round(rate / 100));
    const start = Date.now();
    let sent = 0;
    const w = writers[0]!;
    while (Date.now() - start < seconds * 1000) {
      const due = Math.floor(((Date.now() - start) / 1000) * rate);
      if (sent < due) {
        const base = nextId;
        const n = Math.min(perTick, due - sent);
        nextId += n;
        await w.query(`insert into mixed select ${ROW} from generate_series(${base}, ${base + n - 1}) g`);
        sent += n;
      } else await new Promise((r) => setTimeout(r, 2));
    }
    await new Promise((r) => setTimeout(r, 1000));
    lat.sort((a, b) => a - b);
    out.latency_rate_changes_per_s = Math.round(sent / seconds);
    out.latency_p50_ms = percentile(lat, 50);
    out.latency_p99_ms = percentile(lat, 99);
    out.peak_rss_mb = Math.round(peakRss / 1048576);
    await capture.stop();
    await done;
    for (const c of writers) await c.end();
  } finally {
    clearInterval(sampler);
    await db.query('select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = $1 and not active', [env.CDC_SLOT]).catch(() => undefined);
    await db.end();
  }
  process.stdout.write(
    [
      `snapshot:   ${out.snapshot_rows!.toLocaleString('en')} rows at ${out.snapshot_rows_per_s!.toLocaleString('en')} rows/s, peak RSS ${out.snapshot_peak_rss_mb} MB (process at rest: ${out.baseline_rss_mb} MB)`,
      `throughput: ${out.throughput_changes!.toLocaleString('en')} changes at ${out.throughput_changes_per_s!.toLocaleString('en')} changes/s (commit to broker ack, one slot)`,
      `latency:    at ${out.latency_rate_changes_per_s!.toLocaleString('en')} changes/s, commit-to-broker p50 ${out.latency_p50_ms} ms, p99 ${out.latency_p99_ms} ms`,
      JSON.stringify({ bench: 'cdc', ...out }),
      '',
    ].join('\n'),
  );
  process.exit(0);
}
