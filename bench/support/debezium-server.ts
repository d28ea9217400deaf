// Debezium Server (the incumbent) for `npm run bench -- cdc --debezium`: its distribution from
// Maven Central (io.debezium:debezium-server-dist:<version>:tar.gz, fetched with Maven), unpacked
// once into .bench/ (git-ignored; nothing of Debezium's is committed), and run as its run.sh runs
// it (the runner jar, config/lib and lib/* on the class path, JVM defaults) with a properties
// file in a scratch folder, against the same PostgreSQL and broker as ours.
//
// Debezium Server 3.x is Java 21 bytecode (Debezium 3.0 raised its runtime baseline to Java 21;
// the connectors alone need 17), and the 2.7 line, the last to run on 17, is not served by the
// registry this machine reaches. So the JVM is looked for: DEBEZIUM_JAVA_HOME, then JAVA_HOME,
// then `java` on the PATH, then /usr/lib/jvm/*; the first of version 21 or newer is used.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../stack/paths.js';

export const DEBEZIUM_VERSION = '3.6.0.Final';
/** Oldest Java that runs Debezium Server 3.x. */
export const DEBEZIUM_MIN_JAVA = 21;

export interface DebeziumDist {
  /** The unpacked distribution (runner jar, lib/, config/). */
  dir: string;
  /** The java binary that runs it, and its version. */
  java: string;
  javaVersion: string;
  /** Where each run's log goes (kept after the run). */
  logFile: string;
}

function benchDir(): string {
  return join(projectRoot(), '.bench');
}

/** `java -version`'s version string and major number, or undefined when it does not run. */
function javaVersionOf(bin: string): { version: string; major: number } | undefined {
  const r = spawnSync(bin, ['-version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return undefined;
  const m = /version "([^"]+)"/.exec(r.stderr);
  if (!m) return undefined;
  const parts = m[1]!.split(/[.+-]/).map(Number);
  const major = parts[0] === 1 ? parts[1]! : parts[0]!;
  return { version: m[1]!, major };
}

/** The first Java of version DEBEZIUM_MIN_JAVA or newer; a clear error naming what was found when there is none. */
export function findJava(): { java: string; javaVersion: string } {
  const seen: string[] = [];
  const pick = (bin: string, where: string) => {
    const v = javaVersionOf(bin);
    seen.push(`${where}: ${v ? `Java ${v.version}` : 'does not run'}`);
    return v && v.major >= DEBEZIUM_MIN_JAVA ? { java: bin, javaVersion: v.version } : undefined;
  };
  const forced = process.env.DEBEZIUM_JAVA_HOME;
  if (forced) {
    const found = pick(join(forced, 'bin', 'java'), `DEBEZIUM_JAVA_HOME=${forced}`);
    if (found) return found;
    throw new Error(`Debezium Server ${DEBEZIUM_VERSION} needs Java ${DEBEZIUM_MIN_JAVA} or newer; ${seen.join('; ')}`);
  }
  const candidates: [string, string][] = [];
  if (process.env.JAVA_HOME) candidates.push([join(process.env.JAVA_HOME, 'bin', 'java'), `JAVA_HOME=${process.env.JAVA_HOME}`]);
  candidates.push(['java', 'java on the PATH']);
  const jvms = '/usr/lib/jvm';
  if (existsSync(jvms)) {
    for (const d of readdirSync(jvms).sort().reverse()) {
      const bin = join(jvms, d, 'bin', 'java');
      if (existsSync(bin)) candidates.push([bin, join(jvms, d)]);
    }
  }
  for (const [bin, where] of candidates) {
    const found = pick(bin, where);
    if (found) return found;
  }
  throw new Error(
    `Debezium Server ${DEBEZIUM_VERSION} needs Java ${DEBEZIUM_MIN_JAVA} or newer (its classes are Java 21 bytecode) and none was found (${seen.join('; ')}). ` +
      `Install a JDK 21+ and point DEBEZIUM_JAVA_HOME at it.`,
  );
}

/** Fetches and unpacks Debezium Server into .bench/ when it is not there yet, and finds a JVM for it. */
export function ensureDebeziumServer(): DebeziumDist {
  const base = benchDir();
  const dir = join(base, `debezium-server-${DEBEZIUM_VERSION}`);
  const runnerOk = () => existsSync(join(dir, 'lib')) && readdirSync(dir).some((f) => f.endsWith('-runner.jar'));
  if (!runnerOk()) {
    mkdirSync(base, { recursive: true });
    const tarball = join(base, `debezium-server-dist-${DEBEZIUM_VERSION}.tar.gz`);
    if (!existsSync(tarball)) {
      process.stdout.write(`fetching Debezium Server ${DEBEZIUM_VERSION} from Maven Central into .bench/ (about 800 MB, once)...\n`);
      const get = spawnSync('mvn', ['-q', '-B', 'dependency:copy', `-Dartifact=io.debezium:debezium-server-dist:${DEBEZIUM_VERSION}:tar.gz`, `-DoutputDirectory=${base}`], { stdio: 'inherit' });
      if (get.error) throw new Error(`cannot run Maven to fetch Debezium Server (${get.error.message}): install it (apt-get install maven)`);
      if (get.status !== 0 || !existsSync(tarball)) {
        throw new Error(`could not fetch io.debezium:debezium-server-dist:${DEBEZIUM_VERSION}:tar.gz from Maven Central (mvn dependency:copy exited with ${get.status}; its output is above)`);
      }
    }
    const tmp = `${dir}.unpacking`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    const untar = spawnSync('tar', ['xzf', tarball, '-C', tmp], { stdio: 'inherit' });
    if (untar.status !== 0) throw new Error(`could not unpack ${tarball} (tar exited with ${untar.status}); delete it to fetch it again`);
    rmSync(dir, { recursive: true, force: true });
    renameSync(join(tmp, 'debezium-server'), dir);
    rmSync(tmp, { recursive: true, force: true });
    rmSync(tarball, { force: true });
    if (!runnerOk()) throw new Error(`${tarball} did not hold debezium-server/ with a runner jar and lib/`);
  }
  return { dir, ...findJava(), logFile: join(base, 'debezium-server.log') };
}

export interface DebeziumRun {
  proc: ChildProcess;
  /** Settles when the JVM exits. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The JVM's peak resident memory (VmHWM) in MB and CPU seconds used so far, while it runs. */
  usage(): { peakRssMb: number; cpuSeconds: number } | undefined;
  /** Its log's error lines, then its last lines: what a failure shows. */
  logDigest(): string;
  /** SIGTERM, then SIGKILL after 20 s. */
  stop(): Promise<void>;
}

export interface PostgresToKafka {
  /** The source database's URL (its user needs REPLICATION). */
  databaseUrl: string;
  brokers: string;
  /** Folder of the run (config/, data/). */
  workdir: string;
  topicPrefix: string;
  slot: string;
  /** An existing publication (Debezium does not create it). */
  publication: string;
  snapshotMode: 'initial' | 'no_data';
  tables: string[];
  decimalHandling: string;
  tombstones: boolean;
  transactionMetadata: boolean;
  schemasEnable: boolean;
}

/** Debezium Server's properties for its PostgreSQL connector into the Kafka sink, JSON keys and values. */
export function postgresToKafkaProperties(o: PostgresToKafka): Record<string, string> {
  const u = new URL(o.databaseUrl);
  return {
    'debezium.sink.type': 'kafka',
    'debezium.sink.kafka.producer.bootstrap.servers': o.brokers,
    'debezium.sink.kafka.producer.key.serializer': 'org.apache.kafka.common.serialization.StringSerializer',
    'debezium.sink.kafka.producer.value.serializer': 'org.apache.kafka.common.serialization.StringSerializer',
    'debezium.source.connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
    'debezium.source.offset.storage.file.filename': join(o.workdir, 'data', 'offsets.dat'),
    'debezium.source.offset.flush.interval.ms': '0',
    'debezium.source.database.hostname': u.hostname,
    'debezium.source.database.port': u.port,
    'debezium.source.database.user': decodeURIComponent(u.username),
    'debezium.source.database.password': decodeURIComponent(u.password),
    'debezium.source.database.dbname': u.pathname.slice(1),
    'debezium.source.topic.prefix': o.topicPrefix,
    'debezium.source.plugin.name': 'pgoutput',
    'debezium.source.slot.name': o.slot,
    'debezium.source.publication.name': o.publication,
    'debezium.source.publication.autocreate.mode': 'disabled',
    'debezium.source.snapshot.mode': o.snapshotMode,
    'debezium.source.table.include.list': o.tables.join(','),
    'debezium.source.decimal.handling.mode': o.decimalHandling,
    'debezium.source.tombstones.on.delete': String(o.tombstones),
    'debezium.source.provide.transaction.metadata': String(o.transactionMetadata),
    'debezium.format.value': 'json',
    'debezium.format.key': 'json',
    'debezium.format.value.schemas.enable': String(o.schemasEnable),
    'debezium.format.key.schemas.enable': String(o.schemasEnable),
    'quarkus.http.port': '0',
    'quarkus.log.console.json.enabled': 'false',
  };
}

const CLOCK_TICKS = 100;

export function startDebeziumServer(dist: DebeziumDist, workdir: string, props: Record<string, string>): DebeziumRun {
  // Quarkus reads config/application.properties in the working folder.
  mkdirSync(join(workdir, 'config'), { recursive: true });
  mkdirSync(join(workdir, 'data'), { recursive: true });
  writeFileSync(join(workdir, 'config', 'application.properties'), Object.entries(props).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
  const runner = readdirSync(dist.dir).find((f) => f.endsWith('-runner.jar'))!;
  const cp = [join(dist.dir, runner), join(dist.dir, 'config', 'lib'), join(dist.dir, 'lib', '*')].join(':');
  const log = openSync(dist.logFile, 'w');
  // On Java 24+ jboss-threads (Quarkus) asks for java.lang to be opened, as its error says.
  const major = Number(/^(\d+)/.exec(dist.javaVersion)?.[1] ?? 0);
  const jvmOptions = major >= 24 ? ['--add-opens', 'java.base/java.lang=ALL-UNNAMED'] : [];
  const proc = spawn(dist.java, [...jvmOptions, '-cp', cp, 'io.debezium.server.Main'], { cwd: workdir, stdio: ['ignore', log, log] });
  closeSync(log);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.once('exit', (code, signal) => resolve({ code, signal }));
    proc.once('error', (e) => {
      writeFileSync(dist.logFile, `cannot start ${dist.java}: ${e.message}\n`, { flag: 'a' });
      resolve({ code: null, signal: null });
    });
  });
  let done = false;
  void exited.then(() => (done = true));
  return {
    proc,
    exited,
    usage() {
      if (done || proc.pid === undefined) return undefined;
      try {
        const status = readFileSync(`/proc/${proc.pid}/status`, 'utf8');
        const hwm = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
        const stat = readFileSync(`/proc/${proc.pid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        const ticks = Number(fields[11]) + Number(fields[12]);
        return { peakRssMb: Math.round(hwm / 1024), cpuSeconds: ticks / CLOCK_TICKS };
      } catch {
        return undefined;
      }
    },
    logDigest() {
      let lines: string[];
      try {
        lines = readFileSync(dist.logFile, 'utf8').trimEnd().split('\n');
      } catch {
        return `(no log in ${dist.logFile})`;
      }
      const cut = (l: string) => (l.length > 400 ? `${l.slice(0, 400)}...` : l);
      const errors = lines.filter((l) => /^\S.*\b(ERROR|FATAL)\b|^Caused by:|^Exception in thread|^Error:/.test(l)).slice(-12);
      return [
        ...(errors.length ? ['errors in its log:', ...errors.map(cut), ''] : []),
        `the last lines of its log (all of it in ${dist.logFile}):`,
        ...lines.slice(-30).map(cut),
      ].join('\n');
    },
    async stop() {
      if (done) return;
      proc.kill('SIGTERM');
      const killer = setTimeout(() => proc.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(killer);
    },
  };
}
