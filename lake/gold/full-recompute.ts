// A full recomputation: every gold table rebuilt from silver as it is now. The small tables are
// loaded whole; activities are streamed from silver, enriched and written to gold data files as
// they come (gold.rowsPerFile rows per file, sorted by key), so memory stays flat over a million activities. Each
// gold table is then replaced in one commit that records the silver versions it covers.

import { progress } from '../../common/progress.js';
import type { Add, DeltaTable, Row } from '../index.js';
import { ACTIVITIES_ENRICHED, enrichActivity } from './activities-enriched.js';
import { travelMode } from './bonus.js';
import { attachHomeDistances } from './commute/home-distance.js';
import { EMPLOYEE_BENEFITS, employeeBenefits } from './employee-benefits.js';
import { recordsOf, writeGoldFiles } from './gold-writer.js';
import { declarationFlag, HR_DECLARATION_FLAGS } from './hr-declaration-flags.js';
import { existing, kpiRow } from './incremental.js';
import { KPIS } from './kpis.js';
import { MATCH_CROWD } from './match-crowd.js';
import type { MatchMemory } from './match-memory.js';
import type { GoldModel } from './model.js';
import type { GoldRules } from './rules.js';
import { idKey, SILVER_COLUMNS, toActivity, toEmployee, toMatch, toReading, toStadium, type SilverTable } from './silver-inputs.js';
import { SilverState } from './silver-state.js';

export type SilverSnapshot = Partial<Record<SilverTable, DeltaTable>>;

/** Loads the state from silver: the small tables whole, activities as counts only. */
export async function loadState(silver: SilverSnapshot, rules: GoldRules, withActivities = true): Promise<SilverState> {
  const state = new SilverState(rules.calendar);
  for await (const r of rowsOf(silver.employees, SILVER_COLUMNS.employees)) state.employees.set(idKey(r.employee_id), toEmployee(r));
  await attachHomeDistances(state.employees.values(), (e) => travelMode(e, rules), rules.commute);
  for await (const r of rowsOf(silver.stadiums, SILVER_COLUMNS.stadiums)) state.stadiums.set(idKey(r.stadium_id), toStadium(r));
  for await (const r of rowsOf(silver.matches, SILVER_COLUMNS.matches)) state.matches.set(idKey(r.match_id), toMatch(r));
  for await (const r of rowsOf(silver.crowd_readings, SILVER_COLUMNS.crowd_readings)) state.putReading(toReading(r), 1);
  if (withActivities) for await (const r of rowsOf(silver.activities, ['activity_id', 'employee_id', 'start_time'])) state.countActivity(toActivity(r), 1);
  return state;
}

async function* rowsOf(table: DeltaTable | undefined, columns: readonly string[]): AsyncGenerator<Row> {
  if (!table) return;
  for await (const batch of table.scan({ columns: existing(table, columns) })) yield* batch;
}

export interface FullResult {
  state: SilverState;
  /** Data files per model, written and not yet committed. */
  files: Map<string, Add[]>;
  rows: Map<string, number>;
}

/** Computes every model from silver and writes its data files into the gold tables' folders. */
export async function recomputeAll(silver: SilverSnapshot, gold: Map<string, DeltaTable>, matches: MatchMemory, rules: GoldRules, rowsPerFile: number): Promise<FullResult> {
  const state = await loadState(silver, rules, false);
  const files = new Map<string, Add[]>();
  const rows = new Map<string, number>();
  const write = async (model: GoldModel, out: Row[]) => {
    const adds = await writeGoldFiles(gold.get(model.name)!, model, out, rowsPerFile);
    files.set(model.name, [...(files.get(model.name) ?? []), ...adds]);
    rows.set(model.name, (rows.get(model.name) ?? 0) + out.length);
  };

  const total = silver.activities ? silver.activities.files().reduce((n, a) => n + recordsOf(a), 0) : 0;
  const bar = progress('gold: activities', total);
  let seen = 0;
  let buffer: Row[] = [];
  files.set(ACTIVITIES_ENRICHED.name, []);
  // one file write in flight while the next rows are read and enriched: DuckDB encodes on its own threads
  let writing: Promise<void> = Promise.resolve();
  const flush = async () => {
    await writing;
    writing = write(ACTIVITIES_ENRICHED, buffer);
    buffer = [];
  };
  if (silver.activities) {
    for await (const batch of silver.activities.scan({ columns: existing(silver.activities, SILVER_COLUMNS.activities) })) {
      for (const r of batch) {
        const a = toActivity(r);
        const row = enrichActivity(a, state.employees.get(idKey(a.employee_id)), state.calendar);
        state.countActivity(a, 1, row ? (row.activity_month as string | null) ?? undefined : undefined);
        if (row) buffer.push(row);
      }
      seen += batch.length;
      bar.update(seen);
      if (buffer.length >= rowsPerFile) await flush();
    }
  }
  if (buffer.length) await flush();
  await writing;
  bar.finish(`${seen.toLocaleString('en')} activities`);

  const years = state.activityYears();
  const benefits: Row[] = [];
  const flags: Row[] = [];
  for (const [k, e] of state.employees) {
    for (const r of employeeBenefits(e, years, (y) => state.countInYear(k, y), rules)) benefits.push(r);
    const flag = declarationFlag(e, rules);
    if (flag) flags.push(flag);
  }
  await write(EMPLOYEE_BENEFITS, benefits);
  await write(HR_DECLARATION_FLAGS, flags);
  await write(MATCH_CROWD, matches.recomputeAll(state, rules));
  await write(KPIS, [kpiRow(state, matches, rules)]);
  return { state, files, rows };
}
