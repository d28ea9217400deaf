// docker-compose.yml is accepted by `docker compose config` (the client only: no engine is needed)
// and wires what monitoring/ expects: every Prometheus target is a part built from the project's
// Dockerfile and serving /metrics on 9464, Prometheus reads monitoring/, Grafana is provisioned
// with the data source and the dashboard. Where the compose plugin is missing, the same loader
// (compose-go, which Docker Compose is built on) runs as monitoring/compose-config, built with Go
// and cached; skipped, saying why, only where neither exists.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../stack/paths.js';
import { composeConfigTool } from './compose-config/build.js';

const root = projectRoot();

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  profiles?: string[];
  volumes?: Array<{ type: string; source: string; target: string; read_only?: boolean }>;
  ports?: Array<{ target: number; published: string; host_ip?: string }>;
}

type Loader = { docker: true } | { tool: string };

/** How to load the Compose file here, or why the test cannot. */
function compose(): Loader | { skip: string } {
  const docker = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' });
  if (!docker.error && docker.status === 0) return { docker: true };
  const why = docker.error ? 'no docker client' : `the docker client has no compose plugin (${(docker.stderr || docker.stdout).trim().split('\n')[0]})`;
  try {
    return { tool: composeConfigTool() };
  } catch (e) {
    return { skip: `${why}, and compose-go could not be built: ${(e as Error).message}` };
  }
}

const found = compose();
const skip = 'skip' in found ? found.skip : false;

/** `docker compose [--profile p] config` (--services, or the project as JSON). */
function config(opts: { profile?: string; services?: boolean } = {}, file?: string): { status: number | null; stdout: string; stderr: string } {
  const [cmd, args] = 'docker' in found
    ? ['docker', ['compose', ...(file ? ['-f', file] : []), ...(opts.profile ? ['--profile', opts.profile] : []), 'config', ...(opts.services ? ['--services'] : ['--format', 'json'])]]
    : [(found as { tool: string }).tool, [...(file ? ['-f', file] : []), ...(opts.profile ? ['-profile', opts.profile] : []), ...(opts.services ? ['-services'] : [])]];
  return spawnSync(cmd, args, { cwd: root, encoding: 'utf8', env: { ...process.env, SLACK_BOT_TOKEN: '' } });
}

function run(opts: { profile?: string; services?: boolean } = {}): string {
  const res = config(opts);
  assert.equal(res.status, 0, `compose config ${JSON.stringify(opts)}:\n${res.stdout}${res.stderr}`);
  return res.stdout;
}

test('a Compose file with a mistake is refused, naming it', { skip }, (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'compose-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const bad = join(dir, 'docker-compose.yml');
  writeFileSync(bad, readFileSync(join(root, 'docker-compose.yml'), 'utf8').replace(/^(\s+)image: postgres:/m, '$1imag: postgres:'));
  const res = config({ services: true }, bad);
  assert.notEqual(res.status, 0);
  assert.match(res.stderr, /imag/);
});

const PARTS = ['cdc', 'bronze', 'silver', 'gold', 'notify', 'monitor', 'generator'];

test('docker compose config accepts the file; without a profile it starts only PostgreSQL and Redpanda', { skip }, () => {
  assert.deepEqual(run({ services: true }).trim().split('\n').sort(), ['postgres', 'redpanda']);
});

test('the pipeline profile: servers, console, every part from the Dockerfile, the generator, Prometheus and Grafana wired to monitoring/', { skip }, () => {
  const project = JSON.parse(run({ profile: 'pipeline' })) as { services: Record<string, Service> };
  const s = project.services;
  assert.deepEqual(Object.keys(s).sort(), ['bronze', 'cdc', 'console', 'generator', 'gold', 'grafana', 'monitor', 'notify', 'postgres', 'prometheus', 'redpanda', 's3', 's3-init', 'silver']);

  assert.ok(s.postgres!.command!.includes('wal_level=logical'), 'PostgreSQL with logical decoding');
  assert.match(s.redpanda!.image!, /^redpandadata\/redpanda:v\d+\.\d+\.\d+$/, 'a pinned Redpanda release');
  assert.match(s.console!.image!, /^redpandadata\/console:v\d+\.\d+\.\d+$/, 'a pinned Console release');
  for (const [name, service] of Object.entries(s)) {
    if (service.image && !service.build) assert.match(service.image, /:v?\d+(\.\d+)*$/, `${name}'s image names its version`);
  }
  assert.equal(s.console!.environment!.KAFKA_BROKERS, 'redpanda:9092');
  assert.match(s.s3!.image!, /^versity\/versitygw:/);
  assert.ok(s.s3!.command!.includes('posix'));
  assert.match(s['s3-init']!.entrypoint!.join(' '), /create-bucket --bucket lakehouse/);

  for (const name of PARTS) {
    const p = s[name]!;
    assert.equal(p.build?.context, root, `${name} is built from the project`);
    assert.equal(p.build?.dockerfile, 'Dockerfile');
    assert.equal(p.environment!.DATABASE_URL, 'postgres://lakehouse:lakehouse@postgres:5432/lakehouse');
    assert.equal(p.environment!.KAFKA_BROKERS, 'redpanda:9092');
    assert.equal(p.environment!.METRICS_HOST, '0.0.0.0', `${name} serves /metrics beyond its container`);
    // the lake is on the S3 service, where every part (and Spark or deltalake) reads it
    assert.match(p.environment!.LAKE_ROOT!, /^s3:\/\/lakehouse\//, `${name} uses the lake on S3`);
    assert.equal(p.environment!.AWS_ENDPOINT_URL, 'http://s3:7070');
    assert.equal(p.environment!.AWS_ACCESS_KEY_ID, s.s3!.environment!.ROOT_ACCESS_KEY_ID, `${name} signs with the S3 service's key`);
  }
  assert.deepEqual(PARTS.map((n) => s[n]!.command![0]), ['cdc', 'bronze', 'silver', 'gold', 'notify', 'status', 'generate']);

  // every scrape target of monitoring/prometheus.yml is a part serving metrics.port 9464
  const targets = [...readFileSync(join(root, 'monitoring', 'prometheus.yml'), 'utf8').matchAll(/targets: \["([a-z]+):(\d+)"\]/g)].map((m) => ({ host: m[1]!, port: m[2]! }));
  assert.equal(targets.length, 6);
  for (const { host, port } of targets) {
    assert.ok(PARTS.includes(host), `${host} is a part of the compose file`);
    assert.equal(s[host]!.environment!.METRICS_PORT, port, `${host} serves /metrics on ${port}`);
  }

  const prom = s.prometheus!;
  assert.ok(prom.volumes!.some((v) => v.source === join(root, 'monitoring') && v.target === '/etc/prometheus'));
  assert.ok(prom.command!.includes('--config.file=/etc/prometheus/prometheus.yml'));

  const grafana = s.grafana!;
  const provisioning = grafana.volumes!.find((v) => v.source === join(root, 'monitoring', 'grafana', 'provisioning'))!;
  assert.equal(provisioning.target, '/etc/grafana/provisioning');
  const dashboards = grafana.volumes!.find((v) => v.source === join(root, 'monitoring', 'grafana', 'dashboards'))!;
  const provider = readFileSync(join(root, 'monitoring', 'grafana', 'provisioning', 'dashboards', 'lakehouse.yml'), 'utf8');
  assert.match(provider, new RegExp(`path: ${dashboards.target}\\b`), 'the dashboard provider reads the mounted dashboards');
  const datasource = readFileSync(join(root, 'monitoring', 'grafana', 'provisioning', 'datasources', 'prometheus.yml'), 'utf8');
  assert.match(datasource, /url: http:\/\/prometheus:9090/, 'the data source is the prometheus service');
  assert.match(datasource, /uid: lakehouse-prometheus/, 'the uid the dashboard panels name');
});

test('the Dockerfile builds the program from the lock file and runs bin/lakehouse.js', () => {
  const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
  assert.match(dockerfile, /^FROM node:20/m);
  assert.match(dockerfile, /^COPY package\.json package-lock\.json/m);
  assert.match(dockerfile, /npm ci\b/);
  assert.match(dockerfile, /^ENTRYPOINT \["node", "bin\/lakehouse\.js"\]/m);
  const ignored = readFileSync(join(root, '.dockerignore'), 'utf8').split('\n');
  for (const p of ['node_modules', '.stack', '.git']) assert.ok(ignored.includes(p), `${p} stays out of the image`);
});
