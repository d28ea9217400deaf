// employee_benefits: per employee and calendar year, the activities counted and the wellness days
// they earn, and, on one row per employee, the sport bonus (paid, refused with the reason, or not
// eligible). The years are those in which activities_enriched has activities, so every employee
// has a row for every year a report can pick, with zero activities where they did none.
//
// The bonus is annual and silver keeps only the current salary and declaration, so it is
// computed once, for the bonus year (the latest year with activities, the KPIs' reporting year),
// and carried by that year's row alone (bonus_year = true); the other years' bonus columns are
// null. A plain SUM of bonus_amount, over any years, counts each employee's bonus once.

import type { Row } from '../index.js';
import { bonusDecision, centsText, km2 } from './bonus.js';
import type { GoldModel } from './model.js';
import type { GoldRules } from './rules.js';
import type { Employee } from './silver-inputs.js';

export const EMPLOYEE_BENEFITS: GoldModel = {
  name: 'employee_benefits',
  keys: ['employee_id', 'year'],
  dependsOn: ['employees', 'activities'],
  columns: [
    { name: 'employee_id', type: 'integer', nullable: false },
    { name: 'year', type: 'integer', nullable: false },
    { name: 'first_name', type: 'string' },
    { name: 'last_name', type: 'string' },
    { name: 'business_unit', type: 'string' },
    { name: 'gross_salary', type: 'decimal(10,2)' },
    { name: 'activity_count', type: 'integer', nullable: false },
    { name: 'wellness_days', type: 'integer', nullable: false },
    { name: 'commute_mode', type: 'string' },
    { name: 'commute_distance_km', type: 'decimal(6,2)' },
    { name: 'distance_limit_km', type: 'decimal(6,2)' },
    { name: 'bonus_status', type: 'string' },
    { name: 'bonus_paid', type: 'boolean' },
    { name: 'bonus_amount', type: 'decimal(10,2)' },
    { name: 'refusal_reason', type: 'string' },
    { name: 'bonus_year', type: 'boolean', nullable: false },
    { name: 'home_commune', type: 'string' },
    { name: 'home_distance_km', type: 'decimal(6,2)' },
  ],
};

/** Wellness days earned by a year's activity count. */
export function wellnessDays(activities: number, rules: GoldRules): number {
  return activities >= rules.wellnessMinActivities ? rules.wellnessDays : 0;
}

/** The year whose rows carry the bonus: the latest of `years` (ascending). */
export function bonusYear(years: readonly number[]): number | undefined {
  return years.length ? years[years.length - 1] : undefined;
}

/** The employee's rows, one per year in `years` (ascending); `countInYear` gives their activities in a year. */
export function employeeBenefits(e: Employee, years: readonly number[], countInYear: (year: number) => number, rules: GoldRules): Row[] {
  const bonus = bonusDecision(e, rules);
  const carrying = bonusYear(years);
  const rows: Row[] = [];
  for (const year of years) {
    const count = countInYear(year);
    const basis = year === carrying;
    rows.push({
      employee_id: e.employee_id,
      year,
      first_name: e.first_name,
      last_name: e.last_name,
      business_unit: e.business_unit,
      gross_salary: basis ? e.gross_salary : null,
      activity_count: count,
      wellness_days: wellnessDays(count, rules),
      commute_mode: basis ? e.commute_mode : null,
      commute_distance_km: basis ? e.commute_distance_km : null,
      distance_limit_km: basis ? km2(bonus.limitKm) : null,
      bonus_status: basis ? bonus.status : null,
      bonus_paid: basis ? bonus.status === 'paid' : null,
      bonus_amount: basis ? (bonus.status === 'paid' ? centsText(bonus.amountCents!) : '0.00') : null,
      refusal_reason: basis ? bonus.reason : null,
      bonus_year: basis,
      home_commune: basis ? bonus.homeCommune : null,
      home_distance_km: basis ? km2(bonus.homeKm) : null,
    });
  }
  return rows;
}
