// The monitoring files are real: promtool accepts them, every metric they name is served by a
// running part, and a real Prometheus scraping a running capture fires the alert when the test
// kills it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { projectRoot } from '../stack/paths.js';
import { cdcTestEnv, dropSlot, eventually, spawnCapture, sql, type CdcTestEnv } from '../test/support/cdc.js';

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

/** Metric names in PromQL expressions: identifiers of ours, and `up`. */
function metricNames(expr: string): string[] {
  const names = expr.match(/\b(lakehouse_[a-z0-9_]+|up)\b/g) ?? [];
  return names.map((n) => n.replace(/_(bucket|sum|count)$/, ''));
}

let env: CdcTestEnv;
let capture: ChildProcess;
let metricsPort: number;

before(async () => {
  env = await cdcTestEnv({ CDC_HEARTBEAT_INTERVAL_MS: '1000' });
  metricsPort = await freePort();
  await sql(env.DATABASE_URL, `create table m (id int primary key, v text); insert into m values (1, 'a')`);
  capture = await spawnCapture({ ...env, METRICS_PORT: String(metricsPort) });
  await sql(env.DATABASE_URL, `insert into m values (2, 'b'); update m set v = 'c' where id = 1`);
});

after(async () => {
  capture?.kill('SIGKILL');
  if (env) await dropSlot(env);
});

test('promtool accepts the scrape configuration and the alert rules, and their unit tests pass', () => {
  promtool('check', 'config', 'prometheus.yml');
  promtool('check', 'rules', 'alerts.yml');
  assert.match(promtool('test', 'rules', 'alerts.test.yml'), /SUCCESS/);
});

test('every metric the dashboard and the alerts name is served by a running capture', async () => {
  const text = await eventually('changes counted on /metrics', async () => {
    const t = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    return /lakehouse_cdc_changes_total\{table="public.m",op="c"\} 1/.test(t) ? t : undefined;
  });
  const served = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));
  const dashboard = JSON.parse(readFileSync(join(dir, 'grafana', 'dashboards', 'lakehouse.json'), 'utf8')) as { panels: { targets?: { expr: string }[] }[] };
  const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
  exprs.push(...[...readFileSync(join(dir, 'alerts.yml'), 'utf8').matchAll(/expr: (.+)$/gm)].map((m) => m[1]!));
  assert.ok(exprs.length >= 10);
  const named = new Set(exprs.flatMap(metricNames).filter((n) => n !== 'up'));
  for (const name of named) assert.ok(served.has(name), `${name} is named in monitoring/ but not served on /metrics`);
  const health = await fetch(`http://127.0.0.1:${metricsPort}/health`);
  assert.equal(health.status, 200);
  assert.equal(((await health.json()) as { status: string }).status, 'ok');
});

test('Prometheus scrapes the capture, and LakehouseCaptureDown fires when it is killed', { timeout: 120_000 }, async () => {
  const work = mkdtempSync(join(tmpdir(), 'prom-'));
  const promPort = await freePort();
  // The real rules, with their waiting times shortened so the test does not wait minutes.
  writeFileSync(join(work, 'alerts.yml'), readFileSync(join(dir, 'alerts.yml'), 'utf8').replace(/for: \d+m/g, 'for: 2s'));
  writeFileSync(
    join(work, 'prometheus.yml'),
    readFileSync(join(dir, 'prometheus.yml'), 'utf8')
      .replace(/scrape_interval: \d+s/, 'scrape_interval: 1s')
      .replace(/evaluation_interval: \d+s/, 'evaluation_interval: 1s')
      .replace('127.0.0.1:9464', `127.0.0.1:${metricsPort}`),
  );
  const prom = spawn('prometheus', [`--config.file=${join(work, 'prometheus.yml')}`, `--storage.tsdb.path=${join(work, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`], { stdio: 'ignore' });
  const api = async (path: string) => (await (await fetch(`http://127.0.0.1:${promPort}/api/v1/${path}`)).json()) as { data: { result?: { value: [number, string] }[]; alerts?: { labels: { alertname: string }; state: string }[] } };
  try {
    await eventually('the capture scraped and up', async () => (await api('query?query=up%7Bjob%3D%22lakehouse-cdc%22%7D')).data.result?.[0]?.value[1] === '1', 30_000);
    const changes = await api('query?query=sum(lakehouse_cdc_changes_total)');
    assert.ok(Number(changes.data.result?.[0]?.value[1]) >= 2, 'changes are visible in Prometheus');
    capture.kill('SIGKILL');
    await eventually('LakehouseCaptureDown firing', async () => (await api('alerts')).data.alerts?.some((a) => a.labels.alertname === 'LakehouseCaptureDown' && a.state === 'firing'), 30_000);
  } finally {
    prom.kill('SIGTERM');
    await new Promise((r) => prom.once('exit', r));
    rmSync(work, { recursive: true, force: true });
  }
});
