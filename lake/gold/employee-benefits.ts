// employee_benefits: per employee and calendar year, the activities counted, the wellness days they
// earn, and the sport bonus (paid, refused with the reason, or not eligible). The years are those
// in which activities_enriched has activities, so every employee has a row for every year a
// report can pick, with zero activities where they did none.

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
    { name: 'bonus_status', type: 'string', nullable: false },
    { name: 'bonus_paid', type: 'boolean', nullable: false },
    { name: 'bonus_amount', type: 'decimal(10,2)', nullable: false },
    { name: 'refusal_reason', type: 'string' },
  ],
};

/** Wellness days earned by a year's activity count. */
export function wellnessDays(activities: number, rules: GoldRules): number {
  return activities >= rules.wellnessMinActivities ? rules.wellnessDays : 0;
}

/** The employee's rows, one per year in `years`; `countInYear` gives their activities in a year. */
export function employeeBenefits(e: Employee, years: Iterable<number>, countInYear: (year: number) => number, rules: GoldRules): Row[] {
  const bonus = bonusDecision(e, rules);
  const amount = bonus.status === 'paid' ? centsText(bonus.amountCents!) : '0.00';
  const rows: Row[] = [];
  for (const year of years) {
    const count = countInYear(year);
    rows.push({
      employee_id: e.employee_id,
      year,
      first_name: e.first_name,
      last_name: e.last_name,
      business_unit: e.business_unit,
      gross_salary: e.gross_salary,
      activity_count: count,
      wellness_days: wellnessDays(count, rules),
      commute_mode: e.commute_mode,
      commute_distance_km: e.commute_distance_km,
      distance_limit_km: km2(bonus.limitKm),
      bonus_status: bonus.status,
      bonus_paid: bonus.status === 'paid',
      bonus_amount: amount,
      refusal_reason: bonus.reason,
    });
  }
  return rows;
}
