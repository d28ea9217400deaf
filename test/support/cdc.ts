// Runs the change capture in tests: in-process (fast), or as a separate `lakehouse cdc` process
// that a test can kill -9. Each test gets its own database, slot, publication and topic prefix.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import { loadConfig } from '../../common/config.js';
import { Capture } from '../../cdc/capture.js';
import { projectRoot } from '../../stack/paths.js';
import { freshDatabase, testStack, uniqueName } from './stack.js';
import { readTopics, type ReadMessage } from './topics.js';

export interface CdcTestEnv extends Record<string, string> {
  DATABASE_URL: string;
  KAFKA_BROKERS: string;
  TOPIC_PREFIX: string;
  CDC_SLOT: string;
  CDC_PUBLICATION: string;
  METRICS_PORT: string;
}

export async function cdcTestEnv(extra: Record<string, string> = {}): Promise<CdcTestEnv> {
  const stack = await testStack();
  const name = uniqueName('cdc');
  const url = await freshDatabase(stack, name);
  return {
    DATABASE_URL: url,
    KAFKA_BROKERS: stack.KAFKA_BROKERS,
    TOPIC_PREFIX: name,
    CDC_SLOT: `${name}_slot`,
    CDC_PUBLICATION: `${name}_pub`,
    METRICS_PORT: '0',
    CDC_HEARTBEAT_INTERVAL_MS: '0',
    ...extra,
  };
}

export async function sql(url: string, text: string, values: unknown[] = []): Promise<pg.QueryResult> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await c.query(text, values);
  } finally {
    await c.end();
  }
}

export interface RunningCapture {
  capture: Capture;
  done: Promise<void>;
  stop(): Promise<void>;
}

/** Starts a capture in this process and resolves once it streams. */
export async function startCapture(env: Record<string, string>): Promise<RunningCapture> {
  const config = loadConfig({ env: { ...env }, file: undefined });
  let streaming: () => void = () => undefined;
  const ready = new Promise<void>((r) => (streaming = r));
  const capture = new Capture(config, { onStreaming: () => streaming() });
  const done = capture.run();
  await Promise.race([ready, done.then(() => { throw new Error('capture ended before streaming'); })]);
  return { capture, done, stop: async () => { await capture.stop(); await done.catch(() => undefined); } };
}

/** Starts `lakehouse cdc` as a child process; resolves once it streams. */
export async function spawnCapture(env: Record<string, string>, logTo?: string[]): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(projectRoot(), 'bin', 'lakehouse.js'), 'cdc'], {
    // Readiness is read from the "streaming changes" info line, so the child logs at info even
    // when the test runner quiets its own output (scripts/test.ts sets LOG_LEVEL=warn).
    env: { ...process.env, ...env, LAKEHOUSE_CONFIG: '', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`lakehouse cdc did not report streaming within 120 s:\n${buf.slice(-3000)}`)), 120_000);
    timer.unref();
    const onData = (d: Buffer) => {
      buf += d.toString();
      logTo?.push(d.toString());
      if (buf.includes('streaming changes')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stderr!.on('data', onData);
    child.stdout!.on('data', (d: Buffer) => logTo?.push(d.toString()));
    child.once('exit', (code) => reject(new Error(`lakehouse cdc exited (${code}) before streaming:\n${buf.slice(-3000)}`)));
  });
  return child;
}

/** Waits until `check` holds, polling. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 60000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

export interface Change {
  message: ReadMessage;
  key: Record<string, unknown> | null;
  value: { op: string; before: Record<string, unknown> | null; after: Record<string, unknown> | null; source: Record<string, unknown>; transaction: Record<string, unknown> | null } | null;
}

export function parseChanges(messages: ReadMessage[]): Change[] {
  return messages.map((m) => {
    const v = m.value === null ? null : (JSON.parse(m.value) as Record<string, unknown>);
    const k = m.key === null ? null : (JSON.parse(m.key) as Record<string, unknown>);
    return {
      message: m,
      key: k && 'payload' in k ? (k.payload as Record<string, unknown>) : k,
      value: (v && 'payload' in v ? v.payload : v) as Change['value'],
    };
  });
}

/** Reads a table's change topic and returns its events (tombstones dropped) in stream order. */
export async function changesOf(env: CdcTestEnv, table: string, schema = 'public'): Promise<Change[]> {
  const msgs = await readTopics(env.KAFKA_BROKERS, [`${env.TOPIC_PREFIX}.${schema}.${table}`]);
  return parseChanges(msgs)
    .filter((c) => c.value !== null)
    .sort((a, b) => (a.message.headers['lakehouse.position']! < b.message.headers['lakehouse.position']! ? -1 : 1));
}

export async function dropSlot(env: CdcTestEnv): Promise<void> {
  await sql(env.DATABASE_URL, 'select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = $1 and not active', [env.CDC_SLOT]).catch(() => undefined);
}
