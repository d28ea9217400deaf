// What the notifier's tests and benchmark share: a fresh database with the demo's employees and
// activities tables, captured by the real capture (cdc/), written to a lake of its own by the real
// bronze and silver writers behind the project's quality rules (silver is what the notifier
// announces from), a Slack stand-in, and the notifier either in this process or as a
// `lakehouse notify` child a test can kill -9. close() drops everything the world created: the
// database, the replication slot, the topics, the consumer groups and the lake.

import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { loadConfig } from '../../common/config.js';
import { projectRoot } from '../../stack/paths.js';
import { cdcTestEnv, sql, startCapture, type CdcTestEnv, type RunningCapture } from '../../test/support/cdc.js';
import { configOf, lakeEnv, startBronze, startSilver, tableRows, tempLake, type Running } from '../../test/support/pipeline.js';
import { testStack } from '../../test/support/stack.js';
import { dropTestResources } from '../../test/support/sweep.js';
import { DEMO_DDL } from '../../demo/generate.js';
import { silverGate } from '../../lake/silver/command.js';
import type { BronzeWriter } from '../../lake/bronze/writer.js';
import type { SilverWriter } from '../../lake/silver/writer.js';
import { sinkFor } from '../command.js';
import { Notifier, notifierOptions } from '../notifier.js';
import { startSlackStandIn, type SlackStandIn, type StandInOptions } from './slack-standin.js';

export interface Employee {
  employee_id: number;
  first_name: string;
  last_name: string;
}

export interface NotifyWorld {
  env: CdcTestEnv;
  lakeRoot: string;
  capture: RunningCapture;
  bronze: Running<BronzeWriter>;
  silver: Running<SilverWriter>;
  standIn: SlackStandIn;
  /** Environment for a notifier pointed at this world. */
  notifyEnv: Record<string, string>;
  close(): Promise<void>;
}

export interface WorldOptions {
  employees: Employee[];
  standIn?: StandInOptions;
  notifyEnv?: Record<string, string>;
  /** Environment of the bronze and silver writers (e.g. QUALITY_FOREIGN_KEY_WAIT_MS). */
  lakeEnv?: Record<string, string>;
  before?: (url: string) => Promise<void>;
}

/** Demo tables, some employees, the capture streaming them, bronze and silver following, and a stand-in. */
export async function notifyWorld(opts: WorldOptions): Promise<NotifyWorld> {
  const env = await cdcTestEnv({ CDC_TABLES: 'public.employees,public.activities' });
  const lake = tempLake();
  const cleanups: (() => Promise<void>)[] = [];
  const closeAll = async () => {
    const errors: unknown[] = [];
    for (const c of cleanups.reverse()) await c().catch((e: unknown) => errors.push(e));
    cleanups.length = 0;
    if (errors.length) throw errors[0];
  };
  cleanups.push(async () => dropWorld(env, lake));
  try {
    await sql(env.DATABASE_URL, DEMO_DDL);
    for (const e of opts.employees) {
      await sql(
        env.DATABASE_URL,
        `insert into employees values ($1, $2, $3, '1985-04-02', 'R&D', '2019-09-01', 42000.00, 'CDI', 25, '3 rue des Écoles, 34970 Lattes', 'Vélo/Trottinette/Autres', 7.5, 'Runing')`,
        [e.employee_id, e.last_name, e.first_name],
      );
    }
    await opts.before?.(env.DATABASE_URL);
    const capture = await startCapture(env);
    cleanups.push(() => capture.stop());
    const wenv = lakeEnv(env, lake.root, opts.lakeEnv ?? {});
    const bronze = await startBronze(wenv);
    cleanups.push(() => bronze.stop());
    const silver = startSilver(wenv, await silverGate(configOf(wenv)));
    cleanups.push(() => silver.stop());
    const standIn = await startSlackStandIn(opts.standIn);
    // last in, first out: the stand-in closes (and reports unsafe messages) after the writers stop
    cleanups.splice(1, 0, () => standIn.close());
    const notifyEnv: Record<string, string> = {
      KAFKA_BROKERS: env.KAFKA_BROKERS,
      TOPIC_PREFIX: env.TOPIC_PREFIX,
      LAKE_ROOT: lake.root,
      SLACK_BOT_TOKEN: standIn.token,
      SLACK_API_URL: standIn.url,
      SLACK_CHANNEL: '#sport',
      NOTIFY_GROUP_ID: `${env.TOPIC_PREFIX}-notify`,
      NOTIFY_SESSION_TIMEOUT_MS: '6000',
      METRICS_PORT: '0',
      ...opts.notifyEnv,
    };
    return { env, lakeRoot: lake.root, capture, bronze, silver, standIn, notifyEnv, close: closeAll };
  } catch (e) {
    await closeAll().catch(() => undefined);
    throw e;
  }
}

/** Drops what a world created on the shared servers (everything is named after its topic prefix), and its lake folder. */
async function dropWorld(env: CdcTestEnv, lake: { remove(): void }): Promise<void> {
  const prefix = env.TOPIC_PREFIX;
  await dropTestResources(await testStack(), (name) => name === prefix || name.startsWith(`${prefix}.`) || name.startsWith(`${prefix}-`) || name.startsWith(`${prefix}_`));
  lake.remove();
}

/** Rows of a lake table of the world (silver/…, quarantine/…), [] when it does not exist yet. */
export function lakeRows(world: NotifyWorld, path: string): ReturnType<typeof tableRows> {
  return tableRows(world.lakeRoot, path);
}

export interface InProcessNotifier {
  notifier: Notifier;
  done: Promise<void>;
  stop(): Promise<void>;
}

/** Starts a notifier in this process; resolves once it is ready to post. */
export async function startNotifier(env: Record<string, string>): Promise<InProcessNotifier> {
  const config = loadConfig({ env: { ...env }, file: undefined });
  let ready: () => void = () => undefined;
  const isReady = new Promise<void>((r) => (ready = r));
  const notifier = new Notifier(notifierOptions(config), sinkFor(config), undefined, { onReady: () => ready() });
  const done = notifier.run();
  await Promise.race([isReady, done.then(() => { throw new Error('notifier ended before it was ready'); })]);
  return { notifier, done, stop: async () => { await notifier.stop(); await done.catch(() => undefined); } };
}

/** Starts `lakehouse notify` as a child process; resolves once it is ready to post. */
export async function spawnNotifier(env: Record<string, string>, logTo?: string[]): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(projectRoot(), 'bin', 'lakehouse.js'), 'notify'], {
    env: { ...process.env, ...env, LAKEHOUSE_CONFIG: '', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    let buf = '';
    child.stderr!.on('data', (d: Buffer) => {
      buf += d.toString();
      logTo?.push(d.toString());
      if (process.env.NOTIFY_CHILD_LOG) appendFileSync(process.env.NOTIFY_CHILD_LOG, d);
      if (buf.includes('notifying: waiting for new activities')) resolve();
    });
    child.once('exit', (code, signal) => reject(new Error(`lakehouse notify exited (${code ?? signal}) before it was ready:\n${buf.slice(-3000)}`)));
  });
  return child;
}

export interface NewActivity {
  employee_id: number;
  sport_type: string;
  distance_m: number | null;
  elapsed_s: number;
  comment: string | null;
}

/** Inserts activities in one transaction; returns their ids in insertion order. */
export async function insertActivities(client: pg.Client, rows: NewActivity[]): Promise<number[]> {
  const res = await client.query<{ activity_id: string }>(
    `insert into activities (employee_id, start_time, sport_type, distance_m, elapsed_s, end_time, comment)
     select e, now() - make_interval(secs => s), sp, d, s, now(), c
     from unnest($1::int[], $2::text[], $3::numeric[], $4::int[], $5::text[]) with ordinality as t(e, sp, d, s, c, n)
     order by n returning activity_id`,
    [rows.map((r) => r.employee_id), rows.map((r) => r.sport_type), rows.map((r) => r.distance_m), rows.map((r) => r.elapsed_s), rows.map((r) => r.comment)],
  );
  return res.rows.map((r) => Number(r.activity_id));
}

/** Waits until `check` holds, polling. */
export async function until(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
