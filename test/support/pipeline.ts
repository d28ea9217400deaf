// Runs the lake's writers in tests: the bronze writer in-process or as a `lakehouse bronze` child
// process that a test can kill -9, and the silver writer in-process. Each test gets its own lake
// folder and consumer group next to the capture's own topics (test/support/cdc.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../common/config.js';
import { bronzeOptions } from '../../lake/bronze/command.js';
import { BronzeWriter } from '../../lake/bronze/writer.js';
import { silverOptions } from '../../lake/silver/command.js';
import { SilverWriter } from '../../lake/silver/writer.js';
import type { ChangeGate } from '../../lake/silver/gate.js';
import { DeltaTable, type Row } from '../../lake/index.js';
import { projectRoot } from '../../stack/paths.js';

export function tempLake(): { root: string; remove(): void } {
  const root = mkdtempSync(join(tmpdir(), 'lakehouse-test-lake-'));
  return { root, remove: () => rmSync(root, { recursive: true, force: true }) };
}

/** Environment of the writers for one test: its topics (from cdcTestEnv), lake and group. */
export function lakeEnv(cdcEnv: Record<string, string>, root: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...cdcEnv,
    LAKE_ROOT: root,
    BRONZE_GROUP_ID: `${cdcEnv.TOPIC_PREFIX}-bronze`,
    BRONZE_BATCH_MAX_WAIT_MS: '200',
    SILVER_INTERVAL_MS: '200',
    METRICS_PORT: '0',
    ...extra,
  };
}

export function configOf(env: Record<string, string>): Config {
  return loadConfig({ env: { ...env }, file: undefined });
}

export interface Running<T> {
  writer: T;
  done: Promise<void>;
  stop(): Promise<void>;
}

export async function startBronze(env: Record<string, string>): Promise<Running<BronzeWriter>> {
  let ready: () => void = () => undefined;
  const started = new Promise<void>((r) => (ready = r));
  const writer = new BronzeWriter(bronzeOptions(configOf(env)), { onReady: () => ready() });
  const done = writer.run();
  // a writer that dies mid-test says why, instead of leaving the test to time out
  done.catch((e: Error) => process.stderr.write(`bronze writer failed: ${e.stack ?? e.message}\n`));
  let timer: NodeJS.Timeout | undefined;
  const tooLong = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('the bronze writer was not ready within 120 s (broker unreachable, or the group never formed?)')), 120_000);
  });
  try {
    await Promise.race([started, tooLong, done.then(() => { throw new Error('bronze writer ended before it was ready'); })]);
  } catch (e) {
    await writer.stop();
    throw e;
  } finally {
    clearTimeout(timer);
  }
  return { writer, done, stop: async () => { await writer.stop(); await done.catch(() => undefined); } };
}

export function startSilver(env: Record<string, string>, gate?: ChangeGate): Running<SilverWriter> {
  const writer = new SilverWriter(silverOptions(configOf(env)), gate);
  const done = writer.run();
  done.catch((e: Error) => process.stderr.write(`silver writer failed: ${e.stack ?? e.message}\n`));
  return { writer, done, stop: async () => { await writer.stop(); await done; } };
}

/** Starts `lakehouse bronze` as a child process; resolves once it follows the topics. */
export async function spawnBronze(env: Record<string, string>, logTo?: string[]): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(projectRoot(), 'bin', 'lakehouse.js'), 'bronze'], {
    env: { ...process.env, ...env, LAKEHOUSE_CONFIG: '', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`lakehouse bronze was not ready within 60 s:\n${buf.slice(-3000)}`)), 60_000);
    timer.unref();
    child.stderr!.on('data', (d: Buffer) => {
      buf += d.toString();
      logTo?.push(d.toString());
      if (buf.includes('bronze writer ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stdout!.on('data', (d: Buffer) => logTo?.push(d.toString()));
    child.once('exit', (code) => reject(new Error(`lakehouse bronze exited (${code}) before it was ready:\n${buf.slice(-3000)}`)));
  });
  return child;
}

export async function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

/** Every row of a table of the lake, or [] when it does not exist yet. */
export async function tableRows(root: string, path: string): Promise<Row[]> {
  try {
    return await (await DeltaTable.open(root, path)).rows();
  } catch (e) {
    if (/no Delta table/.test((e as Error).message)) return [];
    throw e;
  }
}
