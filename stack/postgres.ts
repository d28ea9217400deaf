// A private PostgreSQL cluster for development and tests: initdb into the stack folder,
// wal_level=logical, listening on loopback only, its own port and socket folder. PostgreSQL
// refuses to run as root, so as root the server runs as the `postgres` account that Debian's
// package creates.

import { chownSync, existsSync, mkdirSync, readdirSync, writeFileSync, appendFileSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { UserError } from '../common/errors.js';
import { run, waitFor, which } from './process.js';

export interface PostgresOptions {
  dir: string;
  port: number;
  user?: string;
  password?: string;
  database?: string;
  /** Extra postgresql.conf lines, after the stack's own (tests use it for a misconfigured server). */
  settings?: string[];
}

const INSTALL_FIX = 'install the PostgreSQL server: apt-get install postgresql (or set PG_BIN to the folder holding initdb and pg_ctl)';

export function postgresUrl(o: PostgresOptions): string {
  const user = o.user ?? 'lakehouse';
  const password = o.password ?? 'lakehouse';
  return `postgres://${user}:${password}@127.0.0.1:${o.port}/${o.database ?? 'lakehouse'}`;
}

export function findPgBin(): string {
  if (process.env.PG_BIN && existsSync(join(process.env.PG_BIN, 'initdb'))) return process.env.PG_BIN;
  const base = '/usr/lib/postgresql';
  if (existsSync(base)) {
    const versions = readdirSync(base).filter((v) => existsSync(join(base, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return join(base, versions[0], 'bin');
  }
  const initdb = which('initdb');
  if (initdb) return initdb.replace(/\/initdb$/, '');
  throw new UserError('PostgreSQL server programs (initdb, pg_ctl) were not found', { fix: INSTALL_FIX });
}

interface RunAs {
  uid?: number;
  gid?: number;
}

function runAs(): RunAs {
  if (process.getuid?.() !== 0) return {};
  const line = existsSync('/etc/passwd') ? readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:')) : undefined;
  if (!line) {
    throw new UserError('running as root, but there is no "postgres" account to run the PostgreSQL server as', {
      fix: 'apt-get install postgresql (it creates the account), or run the stack as an ordinary user',
    });
  }
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

function chownTree(path: string, ids: RunAs): void {
  if (ids.uid === undefined) return;
  chownSync(path, ids.uid, ids.gid!);
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    const p = join(path, entry.name);
    if (entry.isDirectory()) chownTree(p, ids);
    else chownSync(p, ids.uid, ids.gid!);
  }
}

export async function postgresUp(o: PostgresOptions, say: (s: string) => void): Promise<void> {
  const bin = findPgBin();
  const ids = runAs();
  const data = join(o.dir, 'data');
  const sock = join(o.dir, 'run');
  const log = join(o.dir, 'postgres.log');
  mkdirSync(sock, { recursive: true });
  if (!existsSync(join(data, 'PG_VERSION'))) {
    if (existsSync(data)) rmSync(data, { recursive: true, force: true });
    mkdirSync(data, { recursive: true, mode: 0o700 });
    const pwfile = join(o.dir, 'pwfile');
    writeFileSync(pwfile, (o.password ?? 'lakehouse') + '\n', { mode: 0o600 });
    chownTree(o.dir, ids);
    say(`initialising a PostgreSQL cluster in ${data}`);
    run(join(bin, 'initdb'), ['-D', data, '-U', o.user ?? 'lakehouse', `--pwfile=${pwfile}`, '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--locale=C.UTF-8'], {
      ...ids,
      what: 'initdb',
      fix: `check that the postgres account can write ${o.dir} and reach every folder above it (or set LAKEHOUSE_STACK_DIR)`,
    });
    rmSync(pwfile);
    appendFileSync(
      join(data, 'postgresql.conf'),
      [
        '',
        '# lakehouse local stack',
        `port = ${o.port}`,
        "listen_addresses = '127.0.0.1'",
        `unix_socket_directories = '${sock}'`,
        'wal_level = logical',
        'max_replication_slots = 40',
        'max_wal_senders = 40',
        'max_connections = 200',
        'shared_buffers = 256MB',
        'max_wal_size = 2GB',
        "log_min_messages = warning",
        ...(o.settings ?? []),
        '',
      ].join('\n'),
    );
  }
  chownTree(sock, ids);
  const pgCtl = join(bin, 'pg_ctl');
  if (await isReady(o)) {
    say(`PostgreSQL already running on 127.0.0.1:${o.port}`);
  } else {
    say(`starting PostgreSQL on 127.0.0.1:${o.port}`);
    // A stale pid file from a killed server would block the start; pg_ctl handles that itself.
    run(pgCtl, ['-D', data, '-l', log, '-w', '-t', '60', 'start'], {
      ...ids,
      what: 'pg_ctl start',
      fix: `see ${log}; is port ${o.port} taken by another server?`,
    });
    await waitFor('PostgreSQL', () => isReady(o), 30000, `see ${log}`);
  }
  await ensureDatabase(o);
}

async function isReady(o: PostgresOptions): Promise<boolean> {
  const client = new pg.Client({ connectionString: postgresUrl({ ...o, database: 'postgres' }), connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function ensureDatabase(o: PostgresOptions): Promise<void> {
  const client = new pg.Client({ connectionString: postgresUrl({ ...o, database: 'postgres' }) });
  await client.connect();
  try {
    const db = o.database ?? 'lakehouse';
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [db]);
    if (!rowCount) await client.query(`create database ${pg.escapeIdentifier(db)}`);
  } finally {
    await client.end();
  }
}

export function postgresDown(o: PostgresOptions, say: (s: string) => void): void {
  const data = join(o.dir, 'data');
  if (!existsSync(join(data, 'postmaster.pid'))) {
    say('PostgreSQL is not running');
    return;
  }
  const bin = findPgBin();
  say('stopping PostgreSQL');
  run(join(bin, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop'], { ...runAs(), what: 'pg_ctl stop' });
}

/** The server's pid, when it runs (for tests that kill it). */
export function postgresPid(o: PostgresOptions): number | undefined {
  const file = join(o.dir, 'data', 'postmaster.pid');
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
  return Number.isInteger(pid) ? pid : undefined;
}
