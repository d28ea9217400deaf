// One incremental refresh, as data: the silver row changes since the last refresh go into the
// state, and each model gets the rows to upsert and the keys to delete, for exactly the keys the
// changes can reach:
//
//   activity changed          → its activities_enriched row; its employee's benefits if a
//                               month's count moved (and everyone's if a year appeared or went)
//   employee changed          → benefits, flag; their activities' rows if a joined column
//                               (name, unit, declared sport, commute mode) changed or they came
//                               or left (read back from silver by employee_id, inside DuckDB)
//   match / stadium / reading → every window of the matches concerned
//   anything                  → the kpis row
//
// The rows are computed by the same functions as a full recomputation, from the same state, so
// the two cannot disagree on a row they both produce.

import type { DeltaTable, Row } from '../index.js';
import { ACTIVITIES_ENRICHED, enrichActivity } from './activities-enriched.js';
import { travelMode } from './bonus.js';
import { attachHomeDistances } from './commute/home-distance.js';
import { rowsWhereIn } from './duck-files.js';
import { EMPLOYEE_BENEFITS, employeeBenefits } from './employee-benefits.js';
import { declarationFlag, HR_DECLARATION_FLAGS } from './hr-declaration-flags.js';
import { KPIS, kpis } from './kpis.js';
import { MATCH_CROWD } from './match-crowd.js';
import type { MatchMemory } from './match-memory.js';
import type { GoldRules } from './rules.js';
import type { RowChange } from './silver-changes.js';
import {
  idKey, SILVER_COLUMNS, toActivity, toEmployee, toMatch, toReading, toStadium,
  type Employee, type SilverTable,
} from './silver-inputs.js';
import type { SilverState } from './silver-state.js';

export interface ModelDelta {
  upserts: Row[];
  /** Rows holding only the key columns of the rows to delete. */
  deletes: Row[];
}

export type SilverChanges = Partial<Record<SilverTable, RowChange[]>>;

const JOINED: (keyof Employee)[] = ['first_name', 'last_name', 'business_unit', 'declared_sport', 'commute_mode'];

/** Applies the changes to the state and returns each model's delta (kpis: one upsert, the new row). */
export async function planIncremental(
  state: SilverState,
  matches: MatchMemory,
  changes: SilverChanges,
  activities: DeltaTable | undefined,
  rules: GoldRules,
): Promise<Map<string, ModelDelta>> {
  const yearsBefore = state.activityYears();
  const out = new Map<string, ModelDelta>();

  // employees first: activity rows join the employees as they are after the changes
  const employeeBefore = new Map<string, Employee | null>();
  const rejoin = new Set<string>();
  for (const c of changes.employees ?? []) {
    const before = c.before ? toEmployee(c.before) : null;
    const after = c.after ? toEmployee(c.after) : null;
    employeeBefore.set(c.key, before);
    if (after) state.employees.set(c.key, after);
    else state.employees.delete(c.key);
    if (!before || !after || JOINED.some((k) => before[k] !== after[k])) rejoin.add(c.key);
  }
  // the home-to-office distance of the employees as they are now, before any rule reads it
  const changedEmployees = [...employeeBefore.keys()].map((k) => state.employees.get(k)).filter((e): e is Employee => e !== undefined);
  await attachHomeDistances(changedEmployees, (e) => travelMode(e, rules), rules.commute);

  // activity counts, netted per employee and month: only a real move touches benefits
  const moved = new Map<string, Map<string, number>>();
  const note = (employee: string | undefined, month: string | undefined, d: number) => {
    if (employee === undefined || month === undefined) return;
    let m = moved.get(employee);
    if (!m) moved.set(employee, (m = new Map()));
    m.set(month, (m.get(month) ?? 0) + d);
  };
  const enriched = new Map<string, Row | null>();
  for (const c of changes.activities ?? []) {
    if (c.before) {
      const a = toActivity(c.before);
      note(state.countActivity(a, -1), state.monthOf(a), -1);
    }
    const after = c.after ? toActivity(c.after) : null;
    if (after) note(state.countActivity(after, 1), state.monthOf(after), 1);
    enriched.set(c.key, after ? enrichActivity(after, state.employees.get(idKey(after.employee_id)), state.calendar) : null);
  }
  if (rejoin.size && activities) {
    const fields = activities.schema.fields.filter((f) => SILVER_COLUMNS.activities.includes(f.name));
    for (const r of await rowsWhereIn(activities, fields, 'employee_id', [...rejoin].map(Number))) {
      const a = toActivity(r);
      enriched.set(idKey(a.activity_id), enrichActivity(a, state.employees.get(idKey(a.employee_id)), state.calendar));
    }
  }
  if (changes.activities || changes.employees) {
    const delta: ModelDelta = { upserts: [], deletes: [] };
    for (const [key, row] of enriched) {
      if (row) delta.upserts.push(row);
      else delta.deletes.push({ activity_id: BigInt(key) });
    }
    out.set(ACTIVITIES_ENRICHED.name, delta);
  }

  // benefits: employees whose counts moved or who changed; everyone when the set of years changed
  const yearsAfter = state.activityYears();
  const yearsChanged = yearsBefore.length !== yearsAfter.length || yearsBefore.some((y, i) => y !== yearsAfter[i]);
  if (changes.activities || changes.employees) {
    const affected = new Set<string>(employeeBefore.keys());
    for (const [employee, byMonth] of moved) if ([...byMonth.values()].some((d) => d !== 0)) affected.add(employee);
    if (yearsChanged) for (const k of state.employees.keys()) affected.add(k);
    const delta: ModelDelta = { upserts: [], deletes: [] };
    const after = new Set(yearsAfter);
    for (const k of affected) {
      const e = state.employees.get(k);
      const existed = employeeBefore.has(k) ? employeeBefore.get(k) !== null : e !== undefined;
      if (e) for (const r of employeeBenefits(e, yearsAfter, (y) => state.countInYear(k, y), rules)) delta.upserts.push(r);
      if (existed) for (const y of yearsBefore) if (!e || !after.has(y)) delta.deletes.push({ employee_id: Number(k), year: y });
    }
    out.set(EMPLOYEE_BENEFITS.name, delta);
  }

  if (changes.employees) {
    const delta: ModelDelta = { upserts: [], deletes: [] };
    for (const k of employeeBefore.keys()) {
      const e = state.employees.get(k);
      const flag = e ? declarationFlag(e, rules) : null;
      if (flag) delta.upserts.push(flag);
      else delta.deletes.push({ employee_id: Number(k) });
    }
    out.set(HR_DECLARATION_FLAGS.name, delta);
  }

  // matches: apply matches, then stadiums (whose matches are found in the state after), then readings
  if (changes.matches || changes.stadiums || changes.crowd_readings) {
    const touched = new Set<string>();
    for (const c of changes.matches ?? []) {
      if (c.after) state.matches.set(c.key, toMatch(c.after));
      else state.matches.delete(c.key);
      touched.add(c.key);
    }
    for (const c of changes.stadiums ?? []) {
      if (c.after) state.stadiums.set(c.key, toStadium(c.after));
      else state.stadiums.delete(c.key);
      for (const m of state.matchesAt(c.key)) touched.add(m);
    }
    for (const c of changes.crowd_readings ?? []) {
      if (c.before) {
        const r = toReading(c.before);
        state.putReading(r, -1);
        touched.add(idKey(r.match_id));
      }
      if (c.after) {
        const r = toReading(c.after);
        state.putReading(r, 1);
        touched.add(idKey(r.match_id));
      }
    }
    const delta: ModelDelta = { upserts: [], deletes: [] };
    for (const m of touched) {
      const { rows, gone } = matches.recompute(state, m, rules);
      for (const r of rows) delta.upserts.push(r);
      for (const g of gone) delta.deletes.push(g);
    }
    out.set(MATCH_CROWD.name, delta);
  }

  out.set(KPIS.name, { upserts: [kpiRow(state, matches, rules)], deletes: [] });
  return out;
}

export function kpiRow(state: SilverState, matches: MatchMemory, rules: GoldRules): Row {
  return kpis({ employees: state.employees.values(), monthCounts: (e) => state.months.get(idKey(e.employee_id)), matchPeaks: matches.peaks.values() }, rules);
}

/** The columns of `wanted` the table has (an older silver table may lack a nullable one). */
export function existing(table: DeltaTable, wanted: readonly string[]): string[] {
  const have = new Set(table.schema.fields.map((f) => f.name));
  return wanted.filter((c) => have.has(c));
}
