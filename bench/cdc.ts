// `npm run bench -- cdc [--rows N] [--changes N] [--rate R] [--seconds S] [--debezium]`
// The change capture on this machine, PostgreSQL and the broker beside it:
//  1. snapshot of a 10-column table (default 1,000,000 rows): rows/s and peak resident memory;
//  2. sustained throughput: a backlog of small mixed transactions drained from one slot,
//     changes/s from commit to broker acknowledgement;
//     with --debezium, Debezium Server (bench/support/debezium-server.ts) then drains the same
//     backlog from a slot of its own into the same broker, and both are timed on the broker;
//  3. latency: commit-to-broker p50/p99 while a writer commits at a fixed rate (default 5,000/s).
import pg from 'pg';
import { Kafka, logLevel } from 'kafkajs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../common/config.js';
import { setLogLevel } from '../common/log.js';
import { Capture } from '../cdc/capture.js';
import { topicFor, transactionTopic } from '../contracts/change-event.js';
import { defaultStack, stackEnv, stackUp } from '../stack/stack.js';
import { freshDatabase, uniqueName } from '../test/support/stack.js';
import { DEBEZIUM_VERSION, ensureDebeziumServer, postgresToKafkaProperties, startDebeziumServer } from './support/debezium-server.js';
import { TopicWatch } from './support/topic-watch.js';

const TABLE = `(id bigint primary key, account int not null, kind text not null, amount numeric(12,2), rate double precision,
  flag boolean, note text, created_at timestamptz not null default now(), day date, tags text[])`;
const ROW = `g, g % 1000, 'kind-' || (g % 7), (g % 100000) / 100.0, g * 0.5, g % 2 = 0, 'note ' || g, now(), current_date, array['a', 'b']`;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const perSecond = (n: number, ms: number) => Math.round(n / (ms / 1000));
const ratio = (a: number, b: number) => Math.round((a / b) * 10) / 10;

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { rows: { type: 'string' }, changes: { type: 'string' }, rate: { type: 'string' }, seconds: { type: 'string' }, debezium: { type: 'boolean' } } });
  // Fetched (once) and checked before anything else, so a missing Maven or JVM fails at once.
  const dbzDist = values.debezium ? ensureDebeziumServer() : undefined;
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
  const dbzSlot = `${name}_dbz_slot`;
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
  const out: Record<string, number> = {};
  let capture: Capture | undefined;
  let done: Promise<void> | undefined;
  try {
    // 1. snapshot
    process.stdout.write(`preparing ${rows.toLocaleString('en')} rows...\n`);
    await db.query(`create table snap ${TABLE}; insert into snap select ${ROW} from generate_series(1, ${rows}) g; create table mixed ${TABLE}; analyze snap`);
    peakRss = process.memoryUsage().rss;
    out.baseline_rss_mb = Math.round(peakRss / 1048576);
    let durable: ((t: number[], now: number) => void) | undefined;
    let streaming: () => void = () => undefined;
    const ready = new Promise<void>((r) => (streaming = r));
    capture = new Capture(config, { onStreaming: () => streaming(), onDurable: (t, now) => durable?.(t, now) });
    const t0 = Date.now();
    done = capture.run();
    await ready;
    const snapSecs = (Date.now() - t0) / 1000;
    out.snapshot_rows = rows;
    out.snapshot_rows_per_s = Math.round(rows / snapSecs);
    out.snapshot_peak_rss_mb = Math.round(peakRss / 1048576);
    await capture.stop();
    await done;

    // 2. throughput: a backlog of small transactions, then one slot drains it. Debezium's slot,
    //    when it is compared, is created beside ours before the backlog, so both drain the same WAL.
    if (dbzDist) await db.query(`select pg_create_logical_replication_slot($1, 'pgoutput')`, [dbzSlot]);
    process.stdout.write(`preparing a backlog of ${changes.toLocaleString('en')} changes in transactions of 10...\n`);
    const writers = await Promise.all([0, 1, 2, 3].map(async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      return c;
    }));
    let written = 0;
    let transactions = 0;
    let nextId = 1;
    await Promise.all(writers.map(async (c) => {
      while (written < changes) {
        const base = nextId;
        nextId += 6;
        written += 10;
        transactions += 1;
        await c.query(`begin; insert into mixed select ${ROW} from generate_series(${base}, ${base + 5}) g;
          update mixed set amount = amount + 1 where id in (${base}, ${base + 1}, ${base + 2});
          delete from mixed where id = ${base + 3}; commit`);
      }
    }));
    const target = (await db.query<{ l: string }>('select pg_current_wal_lsn()::text as l')).rows[0]!.l;
    // What either side puts on the broker for this backlog: an event per change, a tombstone per
    // delete (one per transaction) and BEGIN and END per transaction, when those are on.
    const tombstones = config.cdc.tombstones ? transactions : 0;
    const txRecords = config.cdc.transactionTopic ? 2 * transactions : 0;
    const expected = written + tombstones + txRecords;
    const kafka = dbzDist ? new Kafka({ clientId: 'bench', brokers: base.KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING }) : undefined;
    const oursWatch = kafka ? new TopicWatch(kafka, [topicFor(name, 'public', 'mixed'), ...(config.cdc.transactionTopic ? [transactionTopic(name)] : [])]) : undefined;
    await oursWatch?.start();
    peakRss = process.memoryUsage().rss;
    capture = new Capture(config, { onDurable: (t, now) => durable?.(t, now) });
    const cpu1 = process.cpuUsage();
    const t1 = Date.now();
    const oursOnBroker = oursWatch?.until(expected, { startedAt: t1, firstWithinMs: 120_000, stallMs: 60_000 });
    oursOnBroker?.catch(() => undefined);
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

    if (kafka && oursWatch && oursOnBroker && dbzDist) {
      // Ours, as seen on the broker (the same yardstick as Debezium's below).
      const o = await oursOnBroker;
      const oursCpu = process.cpuUsage(cpu1);
      await oursWatch.close();
      out.compare_broker_messages = expected;
      out.ours_startup_ms = o.first - t1;
      out.ours_changes_per_s = perSecond(written, o.done - o.first);
      out.ours_changes_per_s_with_startup = perSecond(written, o.done - t1);
      out.ours_cpu_s = Math.round((oursCpu.user + oursCpu.system) / 1e4) / 100;

      // The same backlog through Debezium Server: its Kafka sink, JSON without schemas, the same
      // envelope options as ours (tombstones, transaction metadata), its own slot made before the
      // backlog, topics made beforehand with our partition count (the stack's broker does not
      // create topics). Timed from the JVM's start; the JVM's start-up is reported apart.
      process.stdout.write(`draining the same backlog with Debezium Server ${DEBEZIUM_VERSION} (Java ${dbzDist.javaVersion})...\n`);
      const prefix = `${name}_dbz`;
      const dbzTopics = [topicFor(prefix, 'public', 'mixed'), ...(config.cdc.transactionTopic ? [transactionTopic(prefix)] : [])];
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({ waitForLeaders: true, topics: dbzTopics.map((topic) => ({ topic, numPartitions: config.kafka.partitions, replicationFactor: config.kafka.replicationFactor })) });
      const dbzWatch = new TopicWatch(kafka, dbzTopics);
      await dbzWatch.start();
      const work = mkdtempSync(join(tmpdir(), 'dbz-'));
      const started = Date.now();
      const dbz = startDebeziumServer(
        dbzDist,
        work,
        postgresToKafkaProperties({
          databaseUrl: url,
          brokers: base.KAFKA_BROKERS,
          workdir: work,
          topicPrefix: prefix,
          slot: dbzSlot,
          publication: env.CDC_PUBLICATION,
          snapshotMode: 'no_data',
          tables: ['public.mixed'],
          decimalHandling: config.cdc.decimalHandling,
          tombstones: config.cdc.tombstones,
          transactionMetadata: config.cdc.transactionTopic,
          schemasEnable: config.cdc.schemasEnable,
        }),
      );
      const died = dbz.exited.then(({ code, signal }) => `Debezium Server exited (${signal ?? `code ${code}`}) before the backlog was on the broker`);
      let atFirst: ReturnType<typeof dbz.usage>;
      try {
        const w = await dbzWatch.until(expected, { startedAt: started, firstWithinMs: 180_000, stallMs: 60_000, died, onFirst: () => (atFirst = dbz.usage()) });
        const usage = dbz.usage();
        out.debezium_startup_ms = w.first - started;
        out.debezium_changes_per_s = perSecond(written, w.done - w.first);
        out.debezium_changes_per_s_with_startup = perSecond(written, w.done - started);
        if (usage) {
          out.debezium_peak_rss_mb = usage.peakRssMb;
          out.debezium_cpu_s = usage.cpuSeconds;
          if (atFirst) out.debezium_startup_cpu_s = atFirst.cpuSeconds;
        }
      } catch (e) {
        throw new Error(`Debezium Server ${DEBEZIUM_VERSION} failed: ${(e as Error).message}.\n${dbz.logDigest()}`);
      } finally {
        await dbzWatch.close();
        await dbz.stop();
        rmSync(work, { recursive: true, force: true });
        await db.query('select pg_drop_replication_slot($1)', [dbzSlot]).catch(() => undefined);
        await admin.deleteTopics({ topics: dbzTopics }).catch(() => undefined);
        await admin.disconnect();
      }
      out.speedup_vs_debezium = ratio(out.ours_changes_per_s, out.debezium_changes_per_s);
      out.speedup_vs_debezium_with_startup = ratio(out.ours_changes_per_s_with_startup, out.debezium_changes_per_s_with_startup);
    }

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
    // After a failure the capture may still run and hold its slot (stop() is a no-op once stopped).
    await capture?.stop().catch(() => undefined);
    await done?.catch(() => undefined);
    await db.query('select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = any($1) and not active', [[env.CDC_SLOT, dbzSlot]]).catch(() => undefined);
    await db.end();
  }
  const n = (k: string): number => out[k] ?? NaN;
  const f = (k: string): string => n(k).toLocaleString('en');
  process.stdout.write(
    [
      `snapshot:   ${f('snapshot_rows')} rows at ${f('snapshot_rows_per_s')} rows/s, peak RSS ${n('snapshot_peak_rss_mb')} MB (process at rest: ${n('baseline_rss_mb')} MB)`,
      `throughput: ${f('throughput_changes')} changes at ${f('throughput_changes_per_s')} changes/s (commit to broker ack, one slot)`,
      ...(dbzDist
        ? [
            `vs Debezium Server ${DEBEZIUM_VERSION} (Java ${dbzDist.javaVersion}), the same backlog from a slot each, one after the other, into the same broker, JSON without schemas,`,
            `            timed on the broker (${f('compare_broker_messages')} messages each: ${f('throughput_changes')} events, tombstones, BEGIN/END):`,
            `  ours:     ${f('ours_changes_per_s')} changes/s first to last message; ${f('ours_changes_per_s_with_startup')} changes/s counting its start-up (${(n('ours_startup_ms') / 1000).toFixed(1)} s to the first message); ${n('ours_cpu_s')} s CPU (bench process, peak RSS ${n('throughput_peak_rss_mb')} MB)`,
            `  debezium: ${f('debezium_changes_per_s')} changes/s first to last message; ${f('debezium_changes_per_s_with_startup')} changes/s counting its start-up (${(n('debezium_startup_ms') / 1000).toFixed(1)} s from launching the JVM to the first message); ${out.debezium_cpu_s ?? '?'} s CPU, ${out.debezium_startup_cpu_s ?? '?'} s of it before the first message (JVM, peak RSS ${out.debezium_peak_rss_mb ?? '?'} MB)`,
            `  ours is ${n('speedup_vs_debezium')}x Debezium first to last, ${n('speedup_vs_debezium_with_startup')}x counting start-up`,
          ]
        : []),
      `latency:    at ${f('latency_rate_changes_per_s')} changes/s, commit-to-broker p50 ${n('latency_p50_ms')} ms, p99 ${n('latency_p99_ms')} ms`,
      JSON.stringify({ bench: 'cdc', ...out }),
      '',
    ].join('\n'),
  );
  process.exit(0);
}
