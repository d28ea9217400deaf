// A mixed insert/update/delete workload on a key-value table that remembers, per key, every
// change it committed, so a test can compare the topic with what PostgreSQL really committed.
import pg from 'pg';

export interface Expected {
  /** key -> ["c0", "u1", "u2", "d", "c0", ...] in commit order */
  perKey: Map<number, string[]>;
  changes: number;
}

export class KvWorkload {
  private client: pg.Client;
  private live = new Map<number, number>();
  private nextId = 1;
  readonly expected: Expected = { perKey: new Map(), changes: 0 };

  constructor(
    url: string,
    private readonly table = 'kv',
  ) {
    this.client = new pg.Client({ connectionString: url });
  }

  async open(): Promise<void> {
    await this.client.connect();
    await this.client.query(`create table if not exists ${pg.escapeIdentifier(this.table)} (id int primary key, v int not null, pad text)`);
  }

  async close(): Promise<void> {
    await this.client.end();
  }

  private record(id: number, change: string): void {
    let list = this.expected.perKey.get(id);
    if (!list) this.expected.perKey.set(id, (list = []));
    list.push(change);
    this.expected.changes++;
  }

  /** One transaction of up to `size` changes on distinct keys. */
  async transaction(size: number): Promise<number> {
    const inserts: number[] = [];
    const updates: number[] = [];
    const deletes: number[] = [];
    const touched = new Set<number>();
    const liveIds = [...this.live.keys()];
    for (let i = 0; i < size; i++) {
      const r = Math.random();
      if (r < 0.45 || liveIds.length < 10) {
        const id = this.nextId++;
        inserts.push(id);
        touched.add(id);
      } else {
        const id = liveIds[Math.floor(Math.random() * liveIds.length)]!;
        if (touched.has(id)) continue;
        touched.add(id);
        (r < 0.85 ? updates : deletes).push(id);
      }
    }
    const t = pg.escapeIdentifier(this.table);
    await this.client.query('begin');
    if (inserts.length) await this.client.query(`insert into ${t} (id, v, pad) select x, 0, 'p' from unnest($1::int[]) x`, [inserts]);
    if (updates.length) await this.client.query(`update ${t} set v = v + 1 where id = any($1::int[])`, [updates]);
    if (deletes.length) await this.client.query(`delete from ${t} where id = any($1::int[])`, [deletes]);
    await this.client.query('commit');
    // The statements ran in this order, so within the transaction inserts precede updates precede deletes.
    for (const id of inserts) {
      this.live.set(id, 0);
      this.record(id, 'c0');
    }
    for (const id of updates) {
      const v = this.live.get(id)! + 1;
      this.live.set(id, v);
      this.record(id, `u${v}`);
    }
    for (const id of deletes) {
      this.live.delete(id);
      this.record(id, 'd');
    }
    return inserts.length + updates.length + deletes.length;
  }
}

/** The per-key change list of a topic's events, as the workload writes it. */
export function describeChange(value: { op: string; after: Record<string, unknown> | null } | null): string | undefined {
  if (!value) return undefined;
  if (value.op === 'd') return 'd';
  if (value.op === 'c' || value.op === 'r') return `c${value.after!.v}`;
  if (value.op === 'u') return `u${value.after!.v}`;
  return value.op;
}
