// Bad rows for `lakehouse generate --bad-rate R`: the mistakes the quality gate exists for, each
// otherwise a plausible row, so that what catches it is the rule meant for it. Kinds PostgreSQL
// itself refuses (text in a numeric column, a null in a NOT NULL one) cannot be sent through the
// source database; quality/demo-rules.test.ts feeds them to the gate directly instead.

import type { Activity, Employee } from './generate.js';
import { SPORT_PROFILE, SPORTS, type Sport } from './reference-data.js';

export const BAD_ROW_KINDS = [
  'negative_distance',
  'absurd_distance',
  'unknown_employee',
  'end_before_start',
  'distance_for_climbing',
  'future_date',
  'zero_salary',
] as const;
export type BadRowKind = (typeof BAD_ROW_KINDS)[number];

/** The table each kind is inserted into. */
export const BAD_ROW_TABLE: Record<BadRowKind, 'activities' | 'employees'> = {
  negative_distance: 'activities',
  absurd_distance: 'activities',
  unknown_employee: 'activities',
  end_before_start: 'activities',
  distance_for_climbing: 'activities',
  future_date: 'activities',
  zero_salary: 'employees',
};

type Rand = () => number;
const between = (r: Rand, lo: number, hi: number) => lo + r() * (hi - lo);
const int = (r: Rand, lo: number, hi: number) => Math.floor(between(r, lo, hi + 1));

/** A bad activity of `kind` by `employeeId`, ending at `now` like a live one (unless the kind says otherwise). */
export function makeBadActivity(r: Rand, kind: Exclude<BadRowKind, 'zero_salary'>, employeeId: number, now: Date): Activity {
  const sport: Sport = kind === 'distance_for_climbing' ? 'Escalade' : 'Runing';
  const p = SPORT_PROFILE[sport];
  const elapsed = Math.round(between(r, p.minutes[0], p.minutes[1]) * 60);
  let end = now.getTime();
  let start = end - elapsed * 1000;
  let distance = p.distanceM ? (Math.round(between(r, p.distanceM[0], p.distanceM[1]) / 10) * 10).toFixed(1) : null;
  let employee = employeeId;
  switch (kind) {
    case 'negative_distance':
      distance = (-Math.round(between(r, 1000, 10000))).toFixed(1);
      break;
    case 'absurd_distance':
      distance = (Math.round(between(r, 1000, 5000)) * 1000).toFixed(1); // 1,000 to 5,000 km on foot
      break;
    case 'unknown_employee':
      employee = int(r, 1, 9999); // the demo's employee ids are 10000 to 99999
      break;
    case 'end_before_start':
      [start, end] = [end, end - elapsed * 1000];
      break;
    case 'distance_for_climbing':
      distance = (Math.round(between(r, 50, 800) / 10) * 10).toFixed(1);
      break;
    case 'future_date':
      start = now.getTime() + Math.round(between(r, 2, 7) * 86_400_000);
      end = start + elapsed * 1000;
      break;
  }
  return {
    employee_id: employee,
    start_time: new Date(start).toISOString(),
    sport_type: sport,
    distance_m: distance,
    elapsed_s: elapsed,
    end_time: new Date(end).toISOString(),
    comment: null,
  };
}

/** A new employee, complete and plausible but paid nothing. */
export function makeZeroSalaryEmployee(r: Rand, employeeId: number): Employee {
  return {
    employee_id: employeeId,
    last_name: 'Zéro',
    first_name: 'Salaire',
    birth_date: `19${int(r, 70, 99)}-0${int(r, 1, 9)}-1${int(r, 0, 9)}`,
    business_unit: 'Support',
    hire_date: `20${int(r, 10, 24)}-0${int(r, 1, 9)}-0${int(r, 1, 9)}`,
    gross_salary: '0.00',
    contract_type: 'CDI',
    paid_leave_days: 25,
    address: '12 rue de la République, 34000 Montpellier',
    commute_mode: 'Transports en commun',
    commute_distance_km: between(r, 3, 20).toFixed(2),
    declared_sport: SPORTS[int(r, 0, SPORTS.length - 1)]!,
  };
}
