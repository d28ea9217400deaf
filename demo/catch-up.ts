// When has the pipeline caught up with the source? Stage by stage, each against the one before:
//   capture  the slot's confirmed LSN reached the WAL position read after the last insert (the
//            slot only moves past a change once the broker acknowledged it)
//   bronze   the bronze group has no lag on the change topics (offsets are committed after the
//            Delta commit)
//   silver   every silver table records the latest bronze version (its txn)
//   gold     the gold tables record the latest version of each silver table they read
//   slack    the notifier's group has no lag on the activities topic (it commits after posting)

import { Kafka, logLevel, type Admin } from 'kafkajs';
import pg from 'pg';
import type { Config } from '../common/config.js';
import { layerPath } from '../lake/layers.js';
import { SILVER_TABLES, silverPath } from '../lake/gold/silver-inputs.js';
import { changeTopics, groupLag } from '../monitoring/broker-state.js';
import { readLake } from '../monitoring/lake-tables.js';
import { notifyRecordTopic, notifyTopic } from '../monitoring/status.js';

export const STAGES = ['capture', 'bronze', 'silver', 'gold', 'slack'] as const;
export type Stage = (typeof STAGES)[number];

export interface Waiting {
  stage: Stage;
  detail: string;
}

/** The WAL position now: every change committed before it is what the pipeline must catch up with. */
export async function currentWalLsn(db: pg.Client): Promise<string> {
  return (await db.query<{ lsn: string }>('select pg_current_wal_lsn()::text as lsn')).rows[0]!.lsn;
}

export class CatchUp {
  private readonly kafka: Kafka;
  private admin: Admin | undefined;

  constructor(
    private readonly config: Config,
    private readonly db: pg.Client,
    private readonly tables: readonly string[],
  ) {
    this.kafka = new Kafka({ clientId: `${config.kafka.clientId}-demo`, brokers: config.kafka.brokers, logLevel: logLevel.NOTHING });
  }

  /** The first stage still behind `walLsn`, or undefined once every stage caught up. */
  async behind(walLsn: string): Promise<Waiting | undefined> {
    const c = this.config;
    const slot = await this.db.query<{ ok: boolean; lag: string }>(
      'select confirmed_flush_lsn >= $1::pg_lsn as ok, pg_wal_lsn_diff($1::pg_lsn, confirmed_flush_lsn)::text as lag from pg_replication_slots where slot_name = $2',
      [walLsn, c.cdc.slot],
    );
    if (!slot.rows[0]?.ok) return { stage: 'capture', detail: slot.rows[0] ? `${slot.rows[0].lag} bytes of WAL to confirm` : 'no replication slot yet' };

    this.admin ??= await this.connect();
    const all = await this.admin.listTopics();
    const bronzeLag = await groupLag(this.admin, c.bronze.groupId, changeTopics(all, c.kafka.topicPrefix, [notifyRecordTopic(c)]));
    const unread = bronzeLag.reduce((n, p) => n + p.lag, 0);
    if (unread > 0 || bronzeLag.length === 0) return { stage: 'bronze', detail: `${unread} messages not in bronze yet` };

    const lake = await readLake(c.lake.root);
    const schema = c.gold.sourceSchema;
    const silverBehind = this.tables.map((t) => layerPath('silver', schema, t)).filter((p) => (lake.silverLag[p] ?? 1) > 0);
    if (silverBehind.length) return { stage: 'silver', detail: `behind bronze: ${silverBehind.join(', ')}` };
    const goldBehind = SILVER_TABLES.map((t) => silverPath(schema, t)).filter((p) => (lake.goldLag[p] ?? 1) > 0);
    if (goldBehind.length) return { stage: 'gold', detail: `behind ${goldBehind.join(', ')}` };

    if (all.includes(notifyTopic(c))) {
      const notifyLag = await groupLag(this.admin, c.notify.groupId, [notifyTopic(c)]);
      const waiting = notifyLag.reduce((n, p) => n + p.lag, 0);
      if (waiting > 0) return { stage: 'slack', detail: `${waiting} activities not announced yet` };
    }
    return undefined;
  }

  async close(): Promise<void> {
    await this.admin?.disconnect().catch(() => undefined);
  }

  private async connect(): Promise<Admin> {
    const admin = this.kafka.admin();
    await admin.connect();
    return admin;
  }
}
