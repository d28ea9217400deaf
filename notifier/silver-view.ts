// What silver says about an activity the change topic announced, read from the lake alone:
//
//   judged?    silver's commits carry, per partition of the change topic, the offset up to which
//              it has judged the changes (txn "<topic>-<partition>", lake/silver/writer.ts). Below
//              it, a change was merged into silver or quarantined; above it, silver has not seen
//              it yet (bronze is behind, or the gate holds it while a referenced employee may
//              still be on its way).
//   accepted?  silver/<activities> holds the key at that change's position or a later one, and
//              quarantine/<activities> has no row for that position.
//   employee   silver/<employees> as it is now: an employee deleted since has no row, and so no
//              message.
//
// The notifier asks before it posts; every answer comes from Delta tables other processes write,
// so it needs no state of its own and any instance on any machine gets the same answer.

import { DeltaTable, type DataType, type Row } from '../lake/index.js';
import { layerPath } from '../lake/layers.js';
import { UserError } from '../common/errors.js';
import { recordedPrimaryKey } from '../lake/silver/writer.js';
import { quarantinePath } from '../quality/quarantine-table.js';

/** An activity as the change topic gave it. */
export interface Candidate {
  partition: number;
  offset: string;
  /** The change's stream position (the `lakehouse.position` header), as bronze and silver keep it in `_position`. */
  position: string;
  /** Primary key columns and values (the event's key). */
  key: Record<string, unknown>;
}

export type Verdict =
  | { kind: 'waiting'; reason: string }
  | { kind: 'accepted'; activity: Row; employee: Row }
  | { kind: 'withheld'; reason: 'quarantined' | 'employee_gone' | 'activity_gone'; detail: string };

export interface SilverViewOptions {
  lakeRoot: string;
  /** The activities' change topic (bronze's txn appIds are "<topic>-<partition>"). */
  topic: string;
  activities: { schema: string; table: string };
  employees: { schema: string; table: string };
}

/** The column of an activity naming its employee, and the employees' key. */
const EMPLOYEE_ID = 'employee_id';

export class SilverView {
  private activities: DeltaTable | undefined;
  private employees: DeltaTable | undefined;
  readonly activitiesPath: string;
  readonly employeesPath: string;
  private readonly quarantine: string;
  private readonly tableName: string;

  constructor(private readonly opts: SilverViewOptions) {
    this.activitiesPath = layerPath('silver', opts.activities.schema, opts.activities.table);
    this.employeesPath = layerPath('silver', opts.employees.schema, opts.employees.table);
    this.tableName = `${opts.activities.schema}.${opts.activities.table}`;
    this.quarantine = quarantinePath(this.tableName);
  }

  /** Reads the tables' newest versions; the answer changes whenever either table moved. */
  async refresh(): Promise<string> {
    this.activities = await follow(this.opts.lakeRoot, this.activitiesPath, this.activities);
    this.employees = await follow(this.opts.lakeRoot, this.employeesPath, this.employees);
    return `${this.activities?.version ?? -1}/${this.employees?.version ?? -1}`;
  }

  /** The offset of a partition of the change topic up to which silver has judged (-1: none). */
  judgedUpTo(partition: number): bigint {
    return BigInt(this.activities?.txnVersion(`${this.opts.topic}-${partition}`) ?? -1);
  }

  /** Silver's answer for each candidate, as of the last refresh(). */
  async judge(candidates: Candidate[]): Promise<Verdict[]> {
    const activities = this.activities;
    if (!activities) {
      const waiting: Verdict = { kind: 'waiting', reason: `${this.activitiesPath} does not exist yet in ${this.opts.lakeRoot} (lakehouse bronze and silver write it)` };
      return candidates.map(() => waiting);
    }
    const out: (Verdict | undefined)[] = candidates.map((c) => {
      const judged = this.judgedUpTo(c.partition);
      if (judged >= BigInt(c.offset)) return undefined;
      return { kind: 'waiting', reason: `silver has judged ${this.opts.topic}[${c.partition}] up to offset ${judged}; this activity is at ${c.offset}` };
    });
    const judged = candidates.map((c, i) => ({ c, i })).filter(({ i }) => out[i] === undefined);
    if (judged.length === 0) return out as Verdict[];

    const keyColumns = recordedPrimaryKey(activities);
    if (!keyColumns) {
      throw new UserError(`${this.activitiesPath} does not record its primary key, so the notifier cannot find an activity in it`, {
        where: this.activitiesPath,
        fix: 'give the activities source table a primary key: silver keeps only keyed tables',
      });
    }
    const held = await rowsByKey(activities, keyColumns, judged.map(({ c }) => c.key));
    // A row at the change's own position is the insert itself: accepted. Otherwise the quarantine
    // says whether the gate kept the insert out (a later update may have passed it since).
    const doubtful = judged.filter(({ c }) => held.get(keyText(c.key, keyColumns))?._position !== c.position);
    const quarantined = doubtful.length ? await this.quarantined(doubtful.map(({ c }) => c.position)) : new Map<string, string>();
    const accepted: { i: number; row: Row }[] = [];
    for (const { c, i } of judged) {
      const row = held.get(keyText(c.key, keyColumns));
      const q = quarantined.get(c.position);
      if (q !== undefined) out[i] = { kind: 'withheld', reason: 'quarantined', detail: `quarantined by silver's quality gate (${q})` };
      else if (!row || typeof row._position !== 'string' || row._position < c.position) out[i] = { kind: 'withheld', reason: 'activity_gone', detail: `${this.activitiesPath} does not hold it (deleted since, or never stored)` };
      else accepted.push({ i, row });
    }

    const people = this.employees
      ? await rowsByKey(this.employees, [EMPLOYEE_ID], accepted.map(({ row }) => ({ [EMPLOYEE_ID]: row[EMPLOYEE_ID] })))
      : new Map<string, Row>();
    for (const { i, row } of accepted) {
      const employee = people.get(keyText({ [EMPLOYEE_ID]: row[EMPLOYEE_ID] }, [EMPLOYEE_ID]));
      out[i] = employee
        ? { kind: 'accepted', activity: row, employee }
        : { kind: 'withheld', reason: 'employee_gone', detail: `employee ${String(row[EMPLOYEE_ID])} is not in ${this.employeesPath} (deleted since)` };
    }
    return out as Verdict[];
  }

  /** How many employees silver holds now (undefined: no table yet). */
  async employeeCount(): Promise<number | undefined> {
    if (!this.employees) return undefined;
    return (await this.employees.rows({ columns: [EMPLOYEE_ID] })).length;
  }

  /** Rule and message of the quarantined changes among `positions`. */
  private async quarantined(positions: string[]): Promise<Map<string, string>> {
    const table = await DeltaTable.openIfExists(this.opts.lakeRoot, this.quarantine);
    const out = new Map<string, string>();
    if (!table) return out;
    const rows = await table.rows({
      columns: ['table_name', 'position', 'rule'],
      filters: [{ column: 'position', op: 'in', value: [...new Set(positions)] }, { column: 'table_name', op: '=', value: this.tableName }],
    });
    for (const r of rows) out.set(String(r.position), String(r.rule));
    return out;
  }
}

/** The table at its newest version, or undefined while it does not exist. */
async function follow(root: string, path: string, known: DeltaTable | undefined): Promise<DeltaTable | undefined> {
  if (known) return known.refresh();
  return DeltaTable.openIfExists(root, path);
}

/** A key as one comparable text, whatever JavaScript type the event or the lake gave its values. */
function keyText(key: Record<string, unknown>, columns: string[]): string {
  return JSON.stringify(columns.map((c) => (key[c] === null || key[c] === undefined ? null : String(key[c]))));
}

/** The table's rows for these keys (the first key column filters, files skipped by their statistics). */
async function rowsByKey(table: DeltaTable, columns: string[], keys: Record<string, unknown>[]): Promise<Map<string, Row>> {
  const out = new Map<string, Row>();
  if (keys.length === 0) return out;
  const first = columns[0]!;
  const type = table.schema.fields.find((f) => f.name === first)?.type;
  const values = [...new Map(keys.map((k) => [String(k[first]), typed(k[first], type)])).values()].filter((v) => v !== null && v !== undefined);
  if (values.length === 0) return out;
  for (const row of await table.rows({ filters: [{ column: first, op: 'in', value: values }] })) out.set(keyText(row, columns), row);
  return out;
}

/** A key value from JSON as the lake types the column (a long is a bigint). */
function typed(v: unknown, type: DataType | undefined): unknown {
  if ((type === 'long' || type === 'integer' || type === 'short' || type === 'byte') && (typeof v === 'number' || typeof v === 'string') && /^-?\d+$/.test(String(v))) {
    return type === 'long' ? BigInt(v) : Number(v);
  }
  return v;
}
