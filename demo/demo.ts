// `lakehouse demo`: the product end to end in one command. Starts the local stack, creates and
// fills the demo tables, runs every part of the pipeline in this process, inserts live rows for a
// while, waits until bronze, silver, gold and Slack have caught up with the source, exports gold,
// and ends with a summary read back from the lake. Run again, it goes on from where the last run
// stopped (the tables, slot, topics, groups and lake are kept), like the pipeline itself.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type pg from 'pg';
import type { Config } from '../common/config.js';
import { UserError, errorMessage } from '../common/errors.js';
import { logger, redactUrl } from '../common/log.js';
import { textClient } from '../cdc/catalog.js';
import { PARTS, startPipeline, type Part } from '../cli/pipeline.js';
import { exportGold, type Manifest } from '../lake/export/export.js';
import { startMetricsServer, type MetricsServer } from '../monitoring/metrics.js';
import { metricsText } from '../monitoring/read-metrics.js';
import { defaultStack, stackEnv, stackUp } from '../stack/stack.js';
import { CatchUp, currentWalLsn, type Waiting } from './catch-up.js';
import { createDemoSchema, DEMO_TABLES, insertLive, loadDemoData } from './generate.js';
import { reportProgress, stageCounts } from './pipeline-progress.js';
import { RecordingSink } from './recording-sink.js';
import { gatherSummary, summaryText, type DemoSummary } from './summary.js';

const log = logger('demo');

export interface DemoOptions {
  rate: number;
  durationS: number;
  badRate: number;
  seed: number;
  /** Folder for the export, the last metrics scrape and summary.json. */
  out: string;
  /** Start the local stack first (off when DATABASE_URL and KAFKA_BROKERS point elsewhere). */
  stack: boolean;
  /** Longest wait for the pipeline to catch up after the live inserts. */
  timeoutS: number;
  /** Keep the pipeline running after the summary, until Ctrl-C. */
  keepRunning: boolean;
}

export interface DemoResult {
  summary: DemoSummary;
  text: string;
}

/** Stops waiting when Ctrl-C is pressed. */
interface Interrupt {
  stopped: boolean;
}

/** What to do when the demo's database does not answer: the demo starts the local stack itself. */
function unreachableFix(config: Config, o: DemoOptions): string {
  if (!o.stack) return 'start that server, or leave out --no-stack so the demo starts the local stack and uses it';
  const local = stackEnv(defaultStack()).DATABASE_URL;
  if (new URL(config.database.url).host !== new URL(local).host) {
    return `DATABASE_URL points to another server than the local stack the demo started (${redactUrl(local)}): start that server, or unset DATABASE_URL (and database.url) to use the local stack`;
  }
  return `the local stack's PostgreSQL does not answer: see ${join(defaultStack().dir, 'postgres', 'postgres.log')}, then 'lakehouse stack down' and run the demo again`;
}

export async function runDemo(config: Config, o: DemoOptions, interrupt: Interrupt = { stopped: false }): Promise<DemoResult> {
  const startedAt = Date.now();
  if (o.stack) {
    log.info('starting the local stack (PostgreSQL and Kafka)');
    await stackUp(defaultStack(), (line) => logger('stack').info(line));
  }
  const db = textClient(config.database.url);
  try {
    await db.connect();
  } catch (e) {
    throw new UserError(`cannot connect to PostgreSQL at ${redactUrl(config.database.url)}: ${errorMessage(e)}`, { fix: unreachableFix(config, o) });
  }
  let server: MetricsServer | undefined;
  let stopPipeline: (() => Promise<void>) | undefined;
  try {
    await createDemoSchema(db, false);
    const loaded = await loadDemoData(db, o.seed);
    log.info('demo tables ready', { ...loaded });

    server = await serveMetrics(config);
    const metricsUrl = `http://${config.metrics.host}:${server.port}/metrics`;
    let recorder: RecordingSink | undefined;
    const ready = new Set<Part>();
    // the probe feeds the progress line (quarantined rows): every few seconds while the demo runs
    const probeIntervalMs = config.metrics.probeIntervalMs === 0 ? 0 : Math.min(config.metrics.probeIntervalMs, 3000);
    const pipeline = await startPipeline({ ...config, metrics: { ...config.metrics, probeIntervalMs } }, new Set(PARTS), {
      sink: (s) => (recorder = new RecordingSink(s)),
      onReady: (p) => ready.add(p),
    });
    stopPipeline = () => pipeline.stop();
    log.info('pipeline started: capture, bronze, silver (behind the quality gate), gold, Slack', { metrics: metricsUrl, lake: config.lake.root });

    // in an object: the polls below update it from closures
    const state: { waiting: Waiting | undefined; starting: string[] } = { waiting: undefined, starting: [] };
    const starting = () => (['cdc', 'bronze', 'notify'] as Part[]).filter((p) => !ready.has(p));
    const progress = reportProgress(3000, () =>
      state.starting.length ? `starting ${state.starting.join(', ')}` : state.waiting ? `waiting for ${state.waiting.stage}: ${state.waiting.detail}` : '');
    try {
      await until(pipeline.done, interrupt, 180_000, () => (state.starting = starting()).length === 0, () => `the pipeline did not start within 180 s (${starting().join(', ')} not ready)`);

      if (o.durationS > 0 && !interrupt.stopped) {
        log.info(`inserting live rows: ${o.rate}/s for ${o.durationS} s${o.badRate ? `, ${Math.round(o.badRate * 100)} % of them bad` : ''}`);
        const live = await insertLive(db, { rate: o.rate, durationS: o.durationS, seed: o.seed, signal: interrupt, badRate: o.badRate });
        log.info('live rows inserted', { activities: live.activities, crowdReadings: live.crowdReadings, badRows: Object.values(live.bad).reduce((a, b) => a + (b ?? 0), 0) });
      }

      const lsn = await currentWalLsn(db);
      const catchUp = new CatchUp(config, db, DEMO_TABLES);
      log.info(`waiting for every stage to catch up with the source (WAL ${lsn})`);
      try {
        await until(pipeline.done, interrupt, o.timeoutS * 1000, async () => {
          state.waiting = await catchUp.behind(lsn);
          return state.waiting === undefined;
        }, () => `not caught up after ${o.timeoutS} s`, false);
      } finally {
        await catchUp.close();
      }
    } finally {
      progress.stop();
    }
    if (interrupt.stopped) throw new UserError('interrupted', { fix: 'run it again: it goes on from where it stopped' });
    const waiting = state.waiting as Waiting | undefined; // set by the polls above, which the compiler cannot see
    if (waiting) log.warn(`gave up waiting for ${waiting.stage} (${waiting.detail}); the summary shows what is there`);
    else log.info('caught up: every change is in bronze, silver and gold, every new activity announced');

    const out = resolve(o.out);
    mkdirSync(out, { recursive: true });
    const exportDir = join(out, 'export');
    let manifest: Manifest | null = null;
    try {
      manifest = await exportGold({ root: config.lake.root, sourceSchema: config.gold.sourceSchema, to: exportDir });
      log.info(`gold exported to ${exportDir}`);
    } catch (e) {
      log.error(`export failed: ${errorMessage(e)}`);
    }
    const metricsFile = join(out, 'metrics.prom');
    writeFileSync(metricsFile, await metricsText());
    const summaryFile = join(out, 'summary.json');
    const sent = recorder as RecordingSink | undefined;
    const summary = await gatherSummary({
      db,
      lakeRoot: config.lake.root,
      schema: config.gold.sourceSchema,
      tables: DEMO_TABLES.slice().reverse(),
      caughtUp: waiting === undefined,
      waitingFor: waiting ? `${waiting.stage} (${waiting.detail})` : null,
      startedAt,
      changesCaptured: (await stageCounts()).captured,
      slack: { sent: sent?.posted ?? 0, sink: sent?.name ?? 'log', channel: config.slack.channel, examples: sent?.first ?? [] },
      manifest,
      where: { lake: config.lake.root, export: exportDir, manifest: join(exportDir, 'manifest.json'), metricsUrl, metricsFile, summaryFile, stackSlot: o.stack ? config.cdc.slot : null },
    });
    writeFileSync(summaryFile, JSON.stringify(summary, null, 2) + '\n');
    const text = summaryText(summary);

    if (o.keepRunning && !interrupt.stopped) {
      process.stdout.write(text + '\n\n');
      log.info(`the pipeline keeps running (metrics on ${metricsUrl}); Ctrl-C stops it`);
      await until(pipeline.done, interrupt, Infinity, () => false, () => '', false);
      return { summary, text: '' };
    }
    return { summary, text };
  } finally {
    await stopPipeline?.();
    await server?.close();
    await db.end().catch(() => undefined);
  }
}

async function serveMetrics(config: Config): Promise<MetricsServer> {
  try {
    return await startMetricsServer(config.metrics.host, config.metrics.port);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new UserError(`port ${config.metrics.port} is taken (another lakehouse process?)`, { fix: 'stop it, or give the demo another port: METRICS_PORT=0 picks a free one' });
    }
    throw e;
  }
}

/**
 * Polls `check` until it holds. Rejects at once when the pipeline fails; at the deadline, rejects
 * with `timeout()` when `strict`, else returns (the caller reports what is still behind).
 */
async function until(pipelineDone: Promise<void>, interrupt: Interrupt, ms: number, check: () => boolean | Promise<boolean>, timeout: () => string, strict = true): Promise<void> {
  let failure: Error | undefined;
  let ended = false;
  void pipelineDone.then(() => (ended = true), (e: Error) => (failure = e));
  const deadline = Date.now() + ms;
  while (!interrupt.stopped) {
    if (failure) throw failure;
    if (ended) throw new Error('the pipeline stopped');
    if (await check()) return;
    if (Date.now() > deadline) {
      if (strict) throw new UserError(timeout(), { fix: 'look at the log lines above for the part that is stuck; `lakehouse status` shows where each stage stands' });
      return;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}
