// Kafka Connect's own JsonConverter, for tests that check our events are what a Debezium sink can
// read: connect-json (the Kafka version the stack runs) comes from Maven Central, and
// connect-json/ConnectJsonCheck.java, compiled against it once, converts records the way a Connect
// worker does before a sink sees them. Jars and classes are cached in ~/.cache/lakehouse/ (keyed by
// the program's and the pom's content), so only the first run pays for Maven and javac.

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requireJava } from '../../stack/kafka.js';
import { run, which } from '../../stack/process.js';

const HERE = join(dirname(fileURLToPath(import.meta.url)), 'connect-json');

export interface ConnectRecord {
  topic: string;
  /** Whether the converter runs with schemas.enable=true (the record is {schema, payload}). */
  schemas: boolean;
  key: string | null;
  value: string | null;
  headers?: Record<string, string>;
}

/** A Connect schema as the program prints it (Schema.Type names, upper case). */
export interface ConnectedSchema {
  type: string;
  name?: string;
  version?: number;
  optional: boolean;
  parameters?: Record<string, string>;
  default?: unknown;
  fields?: (ConnectedSchema & { field: string })[];
  items?: ConnectedSchema;
  keys?: ConnectedSchema;
  values?: ConnectedSchema;
}

/** One converted part: the Connect schema and value a sink receives, or the converter's error. */
export type Converted = { schema: ConnectedSchema | null; value: unknown; error?: undefined } | { error: string; schema?: undefined; value?: undefined };

export interface ConnectResult {
  key: Converted;
  value: Converted;
  /** Each header through JsonConverter (schemas.enable=true) and SimpleHeaderConverter (Connect's default). */
  headers: Record<string, { json: Converted; simple: Converted }>;
}

function cacheRoot(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'lakehouse');
}

/** Builds (once) and returns the class path of the checker. */
export function ensureConnectJsonCheck(): string {
  requireJava();
  const pom = readFileSync(join(HERE, 'pom.xml'));
  const source = readFileSync(join(HERE, 'ConnectJsonCheck.java'));
  const id = createHash('sha256').update(pom).update(source).digest('hex').slice(0, 12);
  const dir = join(cacheRoot(), `connect-json-check-${id}`);
  const libs = join(dir, 'libs');
  const classes = join(dir, 'classes');
  if (!existsSync(join(classes, 'ConnectJsonCheck.class'))) {
    if (!which('mvn')) throw new Error('mvn was not found; it fetches Kafka Connect\'s JsonConverter from Maven Central (apt-get install maven)');
    if (!which('javac')) throw new Error('javac was not found; the JsonConverter check is compiled once (apt-get install openjdk-17-jdk-headless)');
    const tmp = `${dir}.${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(join(tmp, 'classes'), { recursive: true });
    run('mvn', ['-q', '-B', '-f', join(HERE, 'pom.xml'), 'dependency:copy-dependencies', `-DoutputDirectory=${join(tmp, 'libs')}`, '-DincludeScope=runtime'], {
      what: 'mvn dependency:copy-dependencies (connect-json)',
      fix: 'check that Maven Central is reachable and try again',
    });
    run('javac', ['-cp', join(tmp, 'libs', '*'), '-d', join(tmp, 'classes'), join(HERE, 'ConnectJsonCheck.java')], { what: 'javac ConnectJsonCheck.java' });
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dirname(dir), { recursive: true });
    // Another test may have built it meanwhile: either copy is the same.
    try {
      renameSync(tmp, dir);
    } catch {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  if (!readdirSync(libs).some((f) => f.startsWith('connect-json-'))) throw new Error(`${libs} lacks connect-json; delete ${dir} to fetch it again`);
  return `${classes}:${join(libs, '*')}`;
}

/** Runs the records through JsonConverter, in one JVM; results in the records' order. */
export async function convertWithJsonConverter(records: ConnectRecord[]): Promise<ConnectResult[]> {
  const cp = ensureConnectJsonCheck();
  const child = spawn('java', ['-cp', cp, 'ConnectJsonCheck'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => resolve(code));
  });
  for (const r of records) child.stdin.write(JSON.stringify({ ...r, headers: r.headers ?? {} }) + '\n');
  child.stdin.end();
  const code = await exited;
  if (code !== 0) throw new Error(`ConnectJsonCheck exited with ${code}:\n${err.slice(-3000)}`);
  const lines = out.split('\n').filter((l) => l.trim() !== '');
  if (lines.length !== records.length) throw new Error(`ConnectJsonCheck answered ${lines.length} of ${records.length} records:\n${err.slice(-3000)}`);
  return lines.map((l) => JSON.parse(l) as ConnectResult);
}
