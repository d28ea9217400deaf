// The replication slot as PostgreSQL sees it: how much WAL it holds back (the capture's slot lag in
// bytes) and, while the capture is connected, how long its confirmations trail the server
// (pg_stat_replication.flush_lag; PostgreSQL leaves it empty once the capture has caught up).

import pg from 'pg';

export interface SlotState {
  slot: string;
  exists: boolean;
  active: boolean;
  lagBytes: number | null;
  lagSeconds: number | null;
  confirmedLsn: string | null;
  walStatus: string | null;
}

export async function slotState(databaseUrl: string, slot: string): Promise<SlotState> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ active: boolean; lag: string | null; lag_s: number | null; confirmed: string | null; wal_status: string | null }>(
      `select s.active,
              pg_wal_lsn_diff(pg_current_wal_lsn(), s.confirmed_flush_lsn)::text as lag,
              extract(epoch from r.flush_lag)::float8 as lag_s,
              s.confirmed_flush_lsn::text as confirmed,
              s.wal_status
         from pg_replication_slots s
         left join pg_stat_replication r on r.pid = s.active_pid
        where s.slot_name = $1`,
      [slot],
    );
    const r = rows[0];
    if (!r) return { slot, exists: false, active: false, lagBytes: null, lagSeconds: null, confirmedLsn: null, walStatus: null };
    return {
      slot,
      exists: true,
      active: r.active,
      lagBytes: r.lag === null ? null : Number(r.lag),
      lagSeconds: r.active ? (r.lag_s ?? 0) : null,
      confirmedLsn: r.confirmed,
      walStatus: r.wal_status,
    };
  } finally {
    await client.end();
  }
}

export interface IdleSlot {
  slot: string;
  database: string | null;
  /** WAL the server keeps for it (from its restart LSN). */
  heldBytes: number;
}

/**
 * Every replication slot on the server that nothing reads: each keeps WAL for the whole cluster,
 * whatever database it belongs to, so another capture's forgotten slot fills this server's disk too.
 */
export async function idleSlots(databaseUrl: string): Promise<IdleSlot[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ slot_name: string; database: string | null; held: string | null }>(
      `select slot_name, database, pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::text as held
         from pg_replication_slots where not active order by restart_lsn nulls last`,
    );
    return rows.map((r) => ({ slot: r.slot_name, database: r.database, heldBytes: r.held === null ? 0 : Number(r.held) }));
  } finally {
    await client.end();
  }
}
