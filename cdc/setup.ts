// Everything the capture checks and creates before it streams: wal_level, the REPLICATION
// attribute, the publication, tables without a primary key, the replication slot, and the small state table
// where snapshot progress is kept. Each problem is reported with the fix.

import pg from 'pg';
import { UserError } from '../common/errors.js';
import { logger } from '../common/log.js';
import { publishedTables, tableInfoByName, type TableInfo } from './catalog.js';

const log = logger('cdc');
const q = pg.escapeIdentifier;

export interface SetupOptions {
  publication: string;
  slot: string;
  schemas: string[];
  tables: string[];
  stateSchema: string;
}

export async function checkServer(client: pg.Client): Promise<void> {
  const wal = (await client.query<{ wal_level: string }>('show wal_level')).rows[0]!.wal_level;
  if (wal !== 'logical') {
    throw new UserError(`PostgreSQL's wal_level is "${wal}"; change data capture needs "logical"`, {
      fix: 'run ALTER SYSTEM SET wal_level = logical; as a superuser, then restart PostgreSQL',
    });
  }
  // The capture's client keeps values as PostgreSQL text, so booleans arrive as 't' / 'f'.
  const role = (await client.query<{ rolname: string; ok: string }>(
    'select rolname, (rolreplication or rolsuper) as ok from pg_roles where rolname = current_user',
  )).rows[0]!;
  if (role.ok !== 't') {
    throw new UserError(`the database user "${role.rolname}" lacks the REPLICATION attribute`, {
      fix: `run ALTER ROLE ${q(role.rolname)} WITH REPLICATION; as a superuser (or connect as a user that has it)`,
    });
  }
}

function splitName(name: string): [string, string] {
  const i = name.indexOf('.');
  if (i < 0) return ['public', name];
  return [name.slice(0, i), name.slice(i + 1)];
}

export async function ensurePublication(client: pg.Client, o: SetupOptions): Promise<void> {
  const exists = await client.query('select 1 from pg_publication where pubname = $1', [o.publication]);
  if (exists.rowCount) return;
  const target = o.tables.length
    ? 'FOR TABLE ' + o.tables.map((t) => splitName(t).map(q).join('.')).join(', ')
    : 'FOR TABLES IN SCHEMA ' + o.schemas.map(q).join(', ');
  try {
    await client.query(`CREATE PUBLICATION ${q(o.publication)} ${target}`);
    log.info('created publication', { publication: o.publication, target });
  } catch (e) {
    throw new UserError(`cannot create publication "${o.publication}": ${(e as Error).message}`, {
      fix: `create it as the tables' owner or a superuser: CREATE PUBLICATION ${q(o.publication)} ${target};`,
    });
  }
}

/**
 * The published tables. A table without a primary key is captured as Debezium captures it (events
 * without a key); under REPLICA IDENTITY DEFAULT PostgreSQL itself refuses its updates and deletes
 * while it is published, so only inserts arrive, and that is said once here, never a reason to stop.
 */
export async function checkTables(client: pg.Client, publication: string): Promise<TableInfo[]> {
  const infos: TableInfo[] = [];
  for (const { schema, table } of await publishedTables(client, publication)) {
    const info = await tableInfoByName(client, schema, table);
    if (!info) continue;
    if (info.primaryKey.length === 0 && (info.replicaIdentity === 'd' || info.replicaIdentity === 'n')) {
      log.warn(
        `table ${schema}.${table} has no primary key and no replica identity: its events have a null key, and PostgreSQL refuses its updates and deletes while it is published; ` +
          `fix: ALTER TABLE ${q(schema)}.${q(table)} ADD PRIMARY KEY (<columns>), or REPLICA IDENTITY FULL to capture updates and deletes with the whole old row`,
      );
    }
    infos.push(info);
  }
  return infos;
}

export interface SlotInfo {
  exists: boolean;
  confirmedFlushLsn: string | null;
}

export async function slotInfo(client: pg.Client, slot: string): Promise<SlotInfo> {
  const { rows } = await client.query<{ plugin: string; database: string; confirmed_flush_lsn: string | null; slot_type: string }>(
    'select plugin, database, confirmed_flush_lsn::text, slot_type from pg_replication_slots where slot_name = $1',
    [slot],
  );
  const row = rows[0];
  if (!row) return { exists: false, confirmedFlushLsn: null };
  const db = (await client.query<{ d: string }>('select current_database() as d')).rows[0]!.d;
  if (row.slot_type !== 'logical' || row.plugin !== 'pgoutput' || row.database !== db) {
    throw new UserError(`replication slot "${slot}" exists but is ${row.slot_type}/${row.plugin} on database "${row.database}"`, {
      fix: `choose another slot name (cdc.slot / CDC_SLOT), or drop it: SELECT pg_drop_replication_slot('${slot}');`,
    });
  }
  return { exists: true, confirmedFlushLsn: row.confirmed_flush_lsn };
}

/**
 * Creates the slot on a replication connection and, when asked, keeps that connection open
 * with its exported snapshot, so the snapshot reads exactly the data the slot's stream starts after.
 */
export async function createSlot(url: string, slot: string, exportSnapshot: boolean, options: string): Promise<{ consistentPoint: string; snapshotName: string | null; connection: pg.Client }> {
  const conn = new pg.Client({ connectionString: url, replication: 'database', options } as pg.ClientConfig);
  await conn.connect();
  const res = await conn.query<{ consistent_point: string; snapshot_name: string | null }>(
    `CREATE_REPLICATION_SLOT ${q(slot)} LOGICAL pgoutput ${exportSnapshot ? 'EXPORT_SNAPSHOT' : 'NOEXPORT_SNAPSHOT'}`,
  );
  const row = res.rows[0]!;
  log.info('created replication slot', { slot, consistentPoint: row.consistent_point });
  return { consistentPoint: row.consistent_point, snapshotName: row.snapshot_name, connection: conn };
}

// ---- capture state -------------------------------------------------------------------------

export interface TableSnapshotState {
  done: boolean;
  /** Primary key of the last row sent, in text form, to resume after. */
  lastKey: string[] | null;
  rows: number;
}

export interface CaptureState {
  snapshot?: {
    status: 'running' | 'done';
    /** The slot's consistent point: every snapshot event carries it as its LSN. */
    lsn: string;
    /** Events sent by the snapshot so far (their stream positions). */
    seq: number;
    tables: Record<string, TableSnapshotState>;
  };
}

export class StateStore {
  constructor(
    private readonly client: pg.Client,
    private readonly schema: string,
    private readonly slot: string,
  ) {}

  async init(): Promise<void> {
    try {
      await this.client.query(`create schema if not exists ${q(this.schema)}`);
      await this.client.query(
        `create table if not exists ${q(this.schema)}.capture_state (slot text primary key, state jsonb not null, updated_at timestamptz not null default now())`,
      );
    } catch (e) {
      throw new UserError(`cannot create the capture's state table in schema "${this.schema}": ${(e as Error).message}`, {
        fix: `grant the capture's user CREATE on the database, or create the schema for it and set cdc.stateSchema`,
      });
    }
  }

  async load(): Promise<CaptureState> {
    const { rows } = await this.client.query<{ state: string }>(`select state::text as state from ${q(this.schema)}.capture_state where slot = $1`, [this.slot]);
    return rows[0] ? (JSON.parse(rows[0].state) as CaptureState) : {};
  }

  async save(state: CaptureState): Promise<void> {
    await this.client.query(
      `insert into ${q(this.schema)}.capture_state (slot, state) values ($1, $2::jsonb) on conflict (slot) do update set state = excluded.state, updated_at = now()`,
      [this.slot, JSON.stringify(state)],
    );
  }
}
