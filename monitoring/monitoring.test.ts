// The monitoring files are real: promtool accepts them and their unit tests pass; every metric the
// dashboard and the alerts name is served, with data, by a running pipeline (every part, as
// `lakehouse run` starts them); and a real Prometheus scraping that pipeline fires
// LakehouseConsumerBehind when the test stops the bronze writer and its lag grows, then
// LakehousePartDown when the process stops answering.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import pg from 'pg';
import { PARTS, startPipeline, type Part, type Pipeline } from '../cli/pipeline.js';
import { createDemoSchema, insertLive, loadDemoData } from '../demo/generate.js';
import { projectRoot } from '../stack/paths.js';
import { cdcTestEnv, dropSlot, eventually, type CdcTestEnv } from '../test/support/cdc.js';
import { configOf, lakeEnv, tempLake } from '../test/support/pipeline.js';
import { startMetricsServer, type MetricsServer } from './metrics.js';

const dir = join(projectRoot(), 'monitoring');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function promtool(...args: string[]): string {
  const res = spawnSync('promtool', args, { cwd: dir, encoding: 'utf8' });
  assert.equal(res.error, undefined, 'promtool is installed (Debian package prometheus)');
  assert.equal(res.status, 0, `promtool ${args.join(' ')}:\n${res.stdout}${res.stderr}`);
  return res.stdout + res.stderr;
}

/** PromQL expressions of the alert rules: one-line ones and `expr: |` blocks. */
function alertExprs(yaml: string): string[] {
  return [...yaml.matchAll(/expr: (?:\|\n((?: {10,}.*\n)+)|(.+))/g)].map((m) => (m[1] ?? m[2]!).trim());
}

/** Metric names in PromQL expressions: identifiers of ours, and `up`. */
function metricNames(expr: string): string[] {
  const names = expr.match(/\b(lakehouse_[a-z0-9_]+|up)\b/g) ?? [];
  return names.map((n) => n.replace(/_(bucket|sum|count)$/, ''));
}

/** Metrics that only move when something goes wrong: served (declared), but without data in a healthy run. */
const ONLY_ON_TROUBLE = new Set([
  'lakehouse_errors_total', 'lakehouse_notify_retried_total', 'lakehouse_notify_errors_total', 'lakehouse_notify_rate_limited_total',
  'lakehouse_notify_skipped_total', 'lakehouse_quality_stops_total', 'lakehouse_dead_letters_total', 'lakehouse_bronze_duplicates_skipped_total',
  'lakehouse_cdc_duplicates_skipped_total', 'lakehouse_cdc_unknown_type_columns_total', 'lakehouse_probe_errors_total',
]);

interface Served {
  type: string;
  /** Sum of the samples (for a histogram, of its _count). */
  total: number;
  samples: number;
}

function parseExposition(text: string): Map<string, Served> {
  const out = new Map<string, Served>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) out.set(m[1]!, { type: m[2]!, total: 0, samples: 0 });
  for (const m of text.matchAll(/^([a-z_0-9]+)(?:\{[^}]*\})? (\S+)$/gm)) {
    const name = m[1]!;
    const base = out.has(name) ? name : name.replace(/_(bucket|sum|count)$/, '');
    const s = out.get(base);
    if (!s) continue;
    if (s.type === 'histogram' && !name.endsWith('_count')) continue;
    s.samples++;
    s.total += Number(m[2]);
  }
  return out;
}

function hasData(s: Served | undefined): boolean {
  if (!s || s.samples === 0) return false;
  return s.type === 'gauge' ? true : s.total > 0;
}

let env: CdcTestEnv;
let lake: ReturnType<typeof tempLake>;
let db: pg.Client;
let server: MetricsServer;
let pipeline: Pipeline;
let bronzeGroup: string;

before(async () => {
  env = await cdcTestEnv({ CDC_HEARTBEAT_INTERVAL_MS: '1000' });
  lake = tempLake();
  const wenv = lakeEnv(env, lake.root, { NOTIFY_GROUP_ID: `${env.TOPIC_PREFIX}-notify`, METRICS_PROBE_INTERVAL_MS: '1000', GOLD_POLL_INTERVAL_MS: '200' });
  bronzeGroup = wenv.BRONZE_GROUP_ID!;
  db = new pg.Client({ connectionString: env.DATABASE_URL });
  await db.connect();
  await createDemoSchema(db, false);
  await loadDemoData(db, 11);
  server = await startMetricsServer('127.0.0.1', 0);
  const ready = new Set<Part>();
  pipeline = await startPipeline(configOf(wenv), new Set(PARTS), { onReady: (p) => ready.add(p) });
  let failed: Error | undefined;
  pipeline.done.catch((e: Error) => (failed = e));
  await eventually('capture, bronze and the notifier ready', async () => {
    if (failed) throw new Error(`the pipeline stopped: ${failed.message}`);
    return ready.has('cdc') && ready.has('bronze') && ready.has('notify');
  }, 120_000);
  // live rows, some bad, so that Slack, quality and the latency histograms have something to show
  await insertLive(db, { rate: 20, durationS: 2, seed: 11, badRate: 0.3 });
});

after(async () => {
  await pipeline?.stop();
  await server?.close();
  await db?.end();
  if (env) await dropSlot(env);
  lake?.remove();
});

test('promtool accepts both scrape configurations and the alert rules, and their unit tests pass', () => {
  promtool('check', 'config', 'prometheus.yml');
  promtool('check', 'config', 'prometheus.local.yml');
  promtool('check', 'rules', 'alerts.yml');
  assert.match(promtool('test', 'rules', 'alerts.test.yml'), /SUCCESS/);
});

test('every metric the dashboard and the alerts name is served, with data, by the running pipeline', { timeout: 180_000 }, async () => {
  const dashboard = JSON.parse(readFileSync(join(dir, 'grafana', 'dashboards', 'lakehouse.json'), 'utf8')) as { panels: { title: string; targets?: { expr: string }[] }[] };
  const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
  const alerts = alertExprs(readFileSync(join(dir, 'alerts.yml'), 'utf8'));
  assert.equal(alerts.length, 13, 'every alert rule is read');
  exprs.push(...alerts);
  const named = new Set(exprs.flatMap(metricNames).filter((n) => n !== 'up'));
  assert.ok(named.size >= 40, `the dashboard and alerts name ${named.size} metrics`);
  const missing = (served: Map<string, Served>) =>
    [...named].filter((n) => !served.has(n) || (!ONLY_ON_TROUBLE.has(n) && !hasData(served.get(n))));
  let last: string[] = [];
  await eventually('every named metric with data on /metrics', async () => {
    const served = parseExposition(await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text());
    last = missing(served);
    return last.length === 0;
  }, 150_000).catch((e: Error) => assert.fail(`${e.message}: ${last.join(', ')}`));
  const health = await fetch(`http://127.0.0.1:${server.port}/health`);
  const body = (await health.json()) as { status: string; parts: { name: string }[] };
  assert.equal(health.status, 200, JSON.stringify(body));
  for (const part of ['cdc', 'bronze', 'silver', 'gold', 'notify']) assert.ok(body.parts.some((p) => p.name === part), `${part} reports its health`);
});

test('Prometheus scrapes the pipeline; LakehouseConsumerBehind fires when bronze stops, LakehousePartDown when the process stops answering', { timeout: 180_000 }, async () => {
  const work = mkdtempSync(join(tmpdir(), 'prom-'));
  const promPort = await freePort();
  // The real rules, with their waiting times shortened so the test does not wait minutes.
  writeFileSync(join(work, 'alerts.yml'), readFileSync(join(dir, 'alerts.yml'), 'utf8').replace(/for: \d+m/g, 'for: 2s'));
  const local = readFileSync(join(dir, 'prometheus.local.yml'), 'utf8');
  assert.ok(local.includes('targets: ["127.0.0.1:9464"]'), 'the local configuration scrapes metrics.port');
  writeFileSync(
    join(work, 'prometheus.yml'),
    local.replace(/scrape_interval: \d+s/, 'scrape_interval: 1s').replace(/evaluation_interval: \d+s/, 'evaluation_interval: 1s').replace('targets: ["127.0.0.1:9464"]', `targets: ["127.0.0.1:${server.port}"]`),
  );
  const logFd = openSync(join(work, 'prometheus.log'), 'w');
  const prom = spawn('prometheus', [`--config.file=${join(work, 'prometheus.yml')}`, `--storage.tsdb.path=${join(work, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`], { stdio: ['ignore', 'ignore', logFd] });
  closeSync(logFd);
  const started = new Date().toISOString();
  let exited = 'running';
  prom.once('exit', (code, signal) => (exited = `exited with ${code ?? signal}`));
  type Alert = { labels: Record<string, string>; state: string; annotations: Record<string, string> };
  const api = async (path: string) => {
    const res = await fetch(`http://127.0.0.1:${promPort}/api/v1/${path}`).catch((e: Error) => {
      throw new Error(`${e.message}: ${String((e.cause as Error | undefined)?.message ?? e.cause)}`);
    });
    return (await res.json()) as { data: { result?: { value: [number, string] }[]; alerts?: Alert[] } };
  };
  const query = async (q: string) => Number((await api(`query?query=${encodeURIComponent(q)}`)).data.result?.[0]?.value[1] ?? NaN);
  const firing = async (name: string) => (await api('alerts')).data.alerts?.find((a) => a.labels.alertname === name && a.state === 'firing');
  try {
    await eventually('the pipeline scraped and up', async () => (await query('up{job="lakehouse-run"}')) === 1, 60_000)
      .catch((e: Error) => assert.fail(`${e.message}\nprometheus started at ${started}, ${exited}:\n${readFileSync(join(work, 'prometheus.log'), 'utf8').split('\n').filter((l) => /Listening|address|error/i.test(l)).join('\n')}\n...\n${readFileSync(join(work, 'prometheus.log'), 'utf8').slice(-1500)}`));
    await eventually('bronze rows visible in Prometheus', async () => (await query('sum(lakehouse_bronze_rows_total)')) > 0, 30_000);
    assert.equal(await firing('LakehouseConsumerBehind'), undefined, 'no consumer is behind while bronze runs');

    await pipeline.stopPart('bronze');
    await db.query(`insert into crowd_readings (match_id, read_at, gate, people_counted, ticket_scans, weather_risk)
                    select 1, now(), 'Porte Nord', 1000, 900, 0.1 from generate_series(1, 1500)`);
    const alert = await eventually('LakehouseConsumerBehind firing', () => firing('LakehouseConsumerBehind'), 90_000);
    assert.equal(alert.labels.group, bronzeGroup);
    assert.match(alert.annotations.summary!, new RegExp(`Consumer group ${bronzeGroup} is \\d+ messages behind`));
    assert.ok((await query(`sum(lakehouse_consumer_lag_messages{group="${bronzeGroup}"})`)) >= 1500, 'the lag counts the rows bronze did not read');

    await server.close();
    const down = await eventually('LakehousePartDown firing', () => firing('LakehousePartDown'), 60_000);
    assert.equal(down.labels.job, 'lakehouse-run');
  } finally {
    prom.kill('SIGTERM');
    await new Promise((r) => prom.once('exit', r));
    rmSync(work, { recursive: true, force: true });
  }
});
