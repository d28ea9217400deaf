// What the notifier's tests and benchmark share: a fresh database with the demo's employees and
// activities tables captured by the real capture (cdc/, in this process), a Slack stand-in, and
// the notifier either in this process or as a `lakehouse notify` child a test can kill -9.

import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { loadConfig } from '../../common/config.js';
import { projectRoot } from '../../stack/paths.js';
import { cdcTestEnv, sql, startCapture, type CdcTestEnv, type RunningCapture } from '../../test/support/cdc.js';
import { uniqueName } from '../../test/support/stack.js';
import { DEMO_DDL } from '../../demo/generate.js';
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
  capture: RunningCapture;
  standIn: SlackStandIn;
  /** Environment for a notifier pointed at this world. */
  notifyEnv: Record<string, string>;
  close(): Promise<void>;
}

/** Demo tables, some employees, the capture streaming them, and a stand-in. */
export async function notifyWorld(opts: { employees: Employee[]; standIn?: StandInOptions; notifyEnv?: Record<string, string>; before?: (url: string) => Promise<void> }): Promise<NotifyWorld> {
  const env = await cdcTestEnv({ CDC_TABLES: 'public.employees,public.activities' });
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
  const standIn = await startSlackStandIn(opts.standIn);
  const notifyEnv: Record<string, string> = {
    KAFKA_BROKERS: env.KAFKA_BROKERS,
    TOPIC_PREFIX: env.TOPIC_PREFIX,
    SLACK_BOT_TOKEN: standIn.token,
    SLACK_API_URL: standIn.url,
    SLACK_CHANNEL: '#sport',
    NOTIFY_GROUP_ID: uniqueName('notify'),
    NOTIFY_SESSION_TIMEOUT_MS: '6000',
    METRICS_PORT: '0',
    ...opts.notifyEnv,
  };
  return {
    env,
    capture,
    standIn,
    notifyEnv,
    close: async () => {
      await capture.stop();
      await standIn.close();
    },
  };
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
