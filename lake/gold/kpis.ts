// kpis: one row of headline figures a report starts from. The reporting month is the latest month
// with an activity in activities_enriched (with live data, the current month; with a historical
// data set, its last month, so "this month" is never empty), and the reporting year is its year.
// Every figure is one a user can recompute from the other gold tables.

import type { Row } from '../index.js';
import { bonusDecision } from './bonus.js';
import { formatScaled } from './decimal.js';
import { wellnessDays } from './employee-benefits.js';
import type { GoldModel } from './model.js';
import type { GoldRules } from './rules.js';
import type { Employee } from './silver-inputs.js';

export const KPIS: GoldModel = {
  name: 'kpis',
  keys: ['reporting_month'],
  dependsOn: ['employees', 'activities', 'stadiums', 'matches', 'crowd_readings'],
  columns: [
    { name: 'reporting_month', type: 'string' },
    { name: 'reporting_year', type: 'integer' },
    { name: 'employees', type: 'integer', nullable: false },
    { name: 'employees_bonus_paid', type: 'integer', nullable: false },
    { name: 'employees_bonus_refused', type: 'integer', nullable: false },
    { name: 'bonus_cost_total', type: 'decimal(14,2)', nullable: false },
    { name: 'activities_year', type: 'integer', nullable: false },
    { name: 'activities_month', type: 'integer', nullable: false },
    { name: 'employees_with_wellness_days', type: 'integer', nullable: false },
    { name: 'wellness_days_granted', type: 'integer', nullable: false },
    { name: 'matches_with_readings', type: 'integer', nullable: false },
    { name: 'matches_high_risk', type: 'integer', nullable: false },
    { name: 'highest_risk_match_id', type: 'integer' },
    { name: 'highest_risk_match', type: 'string' },
    { name: 'highest_risk_stage', type: 'string' },
    { name: 'highest_risk_window_start', type: 'timestamp' },
    { name: 'highest_risk_score', type: 'double' },
    { name: 'highest_risk_level', type: 'string' },
  ],
};

export interface KpiInputs {
  employees: Iterable<Employee>;
  /** An employee's activity count in a month 'YYYY-MM' (or a year, by prefix). */
  monthCounts: (employee: Employee) => ReadonlyMap<string, number> | undefined;
  /** Each match's window of highest risk (a match_crowd row). */
  matchPeaks: Iterable<Row>;
}

export function kpis(input: KpiInputs, rules: GoldRules): Row {
  const employees = [...input.employees];
  let month: string | null = null;
  for (const e of employees) for (const m of input.monthCounts(e)?.keys() ?? []) if (month === null || m > month) month = m;
  const year = month === null ? null : month.slice(0, 4);
  let paid = 0;
  let refused = 0;
  let cost = 0n;
  let activitiesYear = 0;
  let activitiesMonth = 0;
  let withWellness = 0;
  let wellness = 0;
  for (const e of employees) {
    const bonus = bonusDecision(e, rules);
    if (bonus.status === 'paid') {
      paid++;
      cost += bonus.amountCents!;
    } else if (bonus.status === 'refused') refused++;
    let inYear = 0;
    for (const [m, n] of input.monthCounts(e) ?? []) {
      if (year !== null && m.startsWith(year)) inYear += n;
      if (m === month) activitiesMonth += n;
    }
    activitiesYear += inYear;
    const days = year === null ? 0 : wellnessDays(inYear, rules);
    if (days > 0) withWellness++;
    wellness += days;
  }
  const peaks = [...input.matchPeaks];
  let top: Row | undefined;
  for (const p of peaks) {
    const better = !top || (p.risk_score as number) > (top.risk_score as number) ||
      ((p.risk_score as number) === (top.risk_score as number) && (p.match_id as number) < (top.match_id as number));
    if (better) top = p;
  }
  return {
    reporting_month: month,
    reporting_year: year === null ? null : Number(year),
    employees: employees.length,
    employees_bonus_paid: paid,
    employees_bonus_refused: refused,
    bonus_cost_total: formatScaled(cost, 2),
    activities_year: activitiesYear,
    activities_month: activitiesMonth,
    employees_with_wellness_days: withWellness,
    wellness_days_granted: wellness,
    matches_with_readings: peaks.length,
    matches_high_risk: peaks.filter((p) => p.risk_level === 'high').length,
    highest_risk_match_id: top ? top.match_id : null,
    highest_risk_match: top ? `${top.home_team ?? '?'} – ${top.away_team ?? '?'}` : null,
    highest_risk_stage: top ? top.stage : null,
    highest_risk_window_start: top ? top.window_start : null,
    highest_risk_score: top ? top.risk_score : null,
    highest_risk_level: top ? top.risk_level : null,
  };
}
