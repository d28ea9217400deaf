// Drops what tests created on the shared stack (databases, their replication slots, topics,
// consumer groups), by the run tag in their names (test/support/stack.ts). `npm test` sweeps its
// own run when it ends, passed or failed, and every earlier run whose process is gone (a run
// killed halfway, a file run on its own). Left behind, an inactive slot holds WAL for the whole
// cluster and grows by every later test's writes: seven such slots held 5.6-47 MB each here.

import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { isAlive } from '../../stack/process.js';
import { testKafka } from './topics.js';

export interface Swept {
  databases: string[];
  slots: string[];
  topics: string[];
  groups: string[];
}

export async function dropTestResources(env: { DATABASE_URL: string; KAFKA_BROKERS: string }, owned: (name: string) => boolean): Promise<Swept> {
  const swept: Swept = { databases: [], slots: [], topics: [], groups: [] };
  const admin = new pg.Client({ connectionString: env.DATABASE_URL });
  await admin.connect();
  try {
    const { rows: dbs } = await admin.query<{ datname: string }>('select datname from pg_database where not datistemplate');
    const databases = dbs.map((r) => r.datname).filter(owned);
    const { rows: slots } = await admin.query<{ slot_name: string; database: string | null; active_pid: number | null }>(
      'select slot_name, database, active_pid from pg_replication_slots',
    );
    for (const s of slots.filter((s) => owned(s.slot_name) || (s.database !== null && databases.includes(s.database)))) {
      // A capture still streaming from it holds the slot: end its connection first.
      if (s.active_pid !== null) await admin.query('select pg_terminate_backend($1)', [s.active_pid]);
      await admin.query('select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = $1', [s.slot_name]).then(
        () => swept.slots.push(s.slot_name),
        () => undefined,
      );
    }
    for (const db of databases) {
      await admin.query(`drop database if exists ${pg.escapeIdentifier(db)} with (force)`).then(
        () => swept.databases.push(db),
        () => undefined,
      );
    }
  } finally {
    await admin.end();
  }
  const kafka = testKafka(env.KAFKA_BROKERS).admin();
  await kafka.connect();
  try {
    const topics = (await kafka.listTopics()).filter((t) => !t.startsWith('__consumer_offsets') && owned(t));
    if (topics.length > 0) {
      await kafka.deleteTopics({ topics, timeout: 30_000 }).catch(() => undefined);
      swept.topics = topics;
    }
    const groups = (await kafka.listGroups()).groups.map((g) => g.groupId).filter(owned);
    if (groups.length > 0) {
      await kafka.deleteGroups(groups).catch(() => undefined);
      swept.groups = groups;
    }
  } finally {
    await kafka.disconnect();
  }
  return swept;
}

// Runs are recorded as files named by their tag, holding the pid of the process that owns them.
function runsDir(stackDir: string): string {
  return join(stackDir, 'test-runs');
}

export function recordRun(stackDir: string, tag: string, pid: number): void {
  mkdirSync(runsDir(stackDir), { recursive: true });
  writeFileSync(join(runsDir(stackDir), tag), String(pid));
}

/** Whether a name belongs to the run with this tag (uniqueName puts `_<tag>_` in every name). */
export function ownedBy(tag: string): (name: string) => boolean {
  return (name) => name.includes(`_${tag}_`);
}

/** Drops what the run with this tag created and forgets the run. */
export async function sweepRun(env: { DATABASE_URL: string; KAFKA_BROKERS: string }, stackDir: string, tag: string): Promise<Swept> {
  const swept = await dropTestResources(env, ownedBy(tag));
  rmSync(join(runsDir(stackDir), tag), { force: true });
  return swept;
}

/** Sweeps every recorded run whose process has ended (a run killed halfway, a file run alone). */
export async function sweepEndedRuns(env: { DATABASE_URL: string; KAFKA_BROKERS: string }, stackDir: string): Promise<Swept> {
  const all: Swept = { databases: [], slots: [], topics: [], groups: [] };
  if (!existsSync(runsDir(stackDir))) return all;
  for (const tag of readdirSync(runsDir(stackDir))) {
    const pid = Number(readFileSync(join(runsDir(stackDir), tag), 'utf8'));
    if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) continue;
    const swept = await sweepRun(env, stackDir, tag);
    for (const k of Object.keys(all) as Array<keyof Swept>) all[k].push(...swept[k]);
  }
  return all;
}
