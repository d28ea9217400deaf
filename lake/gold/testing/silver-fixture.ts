// Silver tables for gold's tests and benchmark, shaped as the silver writer makes them (source
// columns typed by the Debezium mapping, nullable, then the silver metadata columns; one row per
// key; copy-on-write MERGE), without running capture, broker, bronze and silver: each call is one
// silver commit, as one silver merge would be.

import { DeltaTable, type ColumnSpec, type Row } from '../../index.js';
import { PRIMARY_KEY_PROPERTY } from '../../bronze/rows.js';
import { SILVER_METADATA } from '../../silver/writer.js';
import { SILVER_KEY, silverPath, type SilverTable } from '../silver-inputs.js';

/** The source columns of demo/generate.ts's DDL as Delta types (lake/bronze/columns.ts). */
export const SOURCE_COLUMNS: Record<SilverTable, Array<[string, string]>> = {
  employees: [
    ['employee_id', 'integer'], ['last_name', 'string'], ['first_name', 'string'], ['birth_date', 'date'], ['business_unit', 'string'],
    ['hire_date', 'date'], ['gross_salary', 'decimal(10,2)'], ['contract_type', 'string'], ['paid_leave_days', 'integer'], ['address', 'string'],
    ['commute_mode', 'string'], ['commute_distance_km', 'decimal(6,2)'], ['declared_sport', 'string'],
  ],
  activities: [
    ['activity_id', 'long'], ['employee_id', 'integer'], ['start_time', 'timestamp'], ['sport_type', 'string'], ['distance_m', 'decimal(10,1)'],
    ['elapsed_s', 'integer'], ['end_time', 'timestamp'], ['comment', 'string'],
  ],
  stadiums: [['stadium_id', 'integer'], ['name', 'string'], ['city', 'string'], ['capacity', 'integer']],
  matches: [['match_id', 'integer'], ['home_team', 'string'], ['away_team', 'string'], ['stadium_id', 'integer'], ['kickoff', 'timestamp'], ['stage', 'string']],
  crowd_readings: [
    ['reading_id', 'long'], ['match_id', 'integer'], ['read_at', 'timestamp'], ['gate', 'string'], ['people_counted', 'integer'],
    ['ticket_scans', 'integer'], ['weather_risk', 'decimal(4,3)'],
  ],
};

export function silverColumns(table: SilverTable): ColumnSpec[] {
  return [...SOURCE_COLUMNS[table].map(([name, type]) => ({ name, type, nullable: true }) as ColumnSpec), ...SILVER_METADATA];
}

export interface ChangeOptions {
  /** The source commit time of these changes (default: now). */
  sourceTs?: Date;
}

export class SilverFixture {
  private lsn = 0n;
  private readonly tables = new Map<SilverTable, DeltaTable>();
  private readonly keys = new Map<SilverTable, Set<string>>();

  constructor(
    readonly root: string,
    readonly schema = 'public',
  ) {}

  path(table: SilverTable): string {
    return silverPath(this.schema, table);
  }

  async table(table: SilverTable): Promise<DeltaTable> {
    let t = this.tables.get(table);
    if (!t) {
      t = await DeltaTable.openOrCreate(this.root, this.path(table), {
        columns: silverColumns(table),
        configuration: { [PRIMARY_KEY_PROPERTY]: JSON.stringify([SILVER_KEY[table]]) },
      });
      this.tables.set(table, t);
      const keys = new Set<string>();
      for await (const batch of t.scan({ columns: [SILVER_KEY[table]] })) for (const r of batch) keys.add(String(r[SILVER_KEY[table]]));
      this.keys.set(table, keys);
    }
    return t;
  }

  /** One silver commit: inserts or updates `upserts` by key and deletes the rows of `deletes` (key values). */
  async change(table: SilverTable, upserts: Row[], deletes: unknown[] = [], opts: ChangeOptions = {}): Promise<number> {
    const t = await this.table(table);
    const key = SILVER_KEY[table];
    const keys = this.keys.get(table)!;
    const sourceTs = opts.sourceTs ?? new Date();
    const now = new Date();
    const rows: Row[] = upserts.map((r) => {
      const id = String(r[key]);
      const op = keys.has(id) ? 'u' : 'c';
      keys.add(id);
      return { ...r, ...this.meta(op, sourceTs, now) };
    });
    const gone = new Set<Row>();
    for (const k of deletes) {
      keys.delete(String(k));
      const row = { [key]: k, _op: 'd' };
      gone.add(row);
      rows.push(row);
    }
    const res = await t.merge(rows, { keys: [key], isDelete: (r) => gone.has(r) });
    return res.version;
  }

  /** Loads many new rows fast (appends, as silver's first merges into an empty table would add files). */
  async load(table: SilverTable, rows: Row[], opts: ChangeOptions & { rowsPerCommit?: number } = {}): Promise<number> {
    const t = await this.table(table);
    const key = SILVER_KEY[table];
    const keys = this.keys.get(table)!;
    const per = opts.rowsPerCommit ?? 100_000;
    const now = new Date();
    for (let i = 0; i < rows.length; i += per) {
      const batch = rows.slice(i, i + per).map((r) => {
        keys.add(String(r[key]));
        return { ...r, ...this.meta('r', opts.sourceTs ?? now, now) };
      });
      await t.append(batch);
    }
    return t.version;
  }

  /** The current rows of a silver table. */
  async rows(table: SilverTable): Promise<Row[]> {
    return (await this.table(table)).rows();
  }

  private meta(op: string, sourceTs: Date, now: Date): Row {
    this.lsn += 1n;
    return { _op: op, _lsn: this.lsn, _position: String(this.lsn).padStart(20, '0'), _source_ts: sourceTs, _updated_at: now };
  }
}
