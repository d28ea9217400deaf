// activities_enriched: each activity with its employee's HR data and the figures a report plots
// (distance in km, duration, pace, speed), all exact decimals. An activity whose employee is not
// (or no longer) in HR is not in gold: deleted employees leave gold.

import type { Row } from '../index.js';
import type { Calendar } from './calendar.js';
import { divRound, divRoundSafe, formatScaled, parseDecimal, rescale } from './decimal.js';
import type { GoldModel } from './model.js';
import type { Activity, Employee } from './silver-inputs.js';

export const ACTIVITIES_ENRICHED: GoldModel = {
  name: 'activities_enriched',
  keys: ['activity_id'],
  dependsOn: ['activities', 'employees'],
  columns: [
    { name: 'activity_id', type: 'long', nullable: false },
    { name: 'employee_id', type: 'integer', nullable: false },
    { name: 'first_name', type: 'string' },
    { name: 'last_name', type: 'string' },
    { name: 'business_unit', type: 'string' },
    { name: 'declared_sport', type: 'string' },
    { name: 'commute_mode', type: 'string' },
    { name: 'sport_type', type: 'string' },
    { name: 'is_declared_sport', type: 'boolean' },
    { name: 'start_time', type: 'timestamp' },
    { name: 'end_time', type: 'timestamp' },
    { name: 'activity_date', type: 'date' },
    { name: 'activity_year', type: 'integer' },
    { name: 'activity_month', type: 'string' },
    { name: 'distance_m', type: 'decimal(10,1)' },
    { name: 'distance_km', type: 'decimal(10,3)' },
    { name: 'elapsed_s', type: 'integer' },
    { name: 'duration_min', type: 'decimal(9,2)' },
    { name: 'pace_min_per_km', type: 'decimal(9,2)' },
    { name: 'speed_kmh', type: 'decimal(9,2)' },
    { name: 'comment', type: 'string' },
  ],
};

/** The gold row of an activity, or null when its employee is unknown. */
export function enrichActivity(a: Activity, e: Employee | undefined, calendar: Calendar): Row | null {
  if (!e || a.employee_id === null) return null;
  const date = a.start_time ? calendar.localDate(a.start_time) : null;
  // tenths of a metre: distance_m is decimal(10,1)
  const parsed = a.distance_m === null ? undefined : parseDecimal(a.distance_m);
  const tenths = parsed ? rescale(parsed, 1) : null;
  const elapsed = a.elapsed_s;
  const moving = tenths !== null && tenths > 0n && elapsed !== null && elapsed > 0;
  const d10 = tenths === null ? 0 : Number(tenths);
  return {
    activity_id: a.activity_id,
    employee_id: a.employee_id,
    first_name: e.first_name,
    last_name: e.last_name,
    business_unit: e.business_unit,
    declared_sport: e.declared_sport,
    commute_mode: e.commute_mode,
    sport_type: a.sport_type,
    is_declared_sport: a.sport_type !== null && e.declared_sport !== null && a.sport_type === e.declared_sport,
    start_time: a.start_time,
    end_time: a.end_time,
    activity_date: date,
    activity_year: date === null ? null : Number(date.slice(0, 4)),
    activity_month: date === null ? null : date.slice(0, 7),
    distance_m: tenths === null ? null : formatScaled(tenths, 1),
    distance_km: tenths === null ? null : formatScaled(divRound(tenths, 10n), 3),
    elapsed_s: elapsed,
    duration_min: elapsed === null || elapsed < 0 ? null : formatScaled(BigInt(divRoundSafe(elapsed * 100, 60)), 2),
    // minutes per km = (elapsed / 60) / (d10 / 10000), in hundredths
    pace_min_per_km: moving ? formatScaled(BigInt(divRoundSafe(elapsed * 1_000_000, 60 * d10)), 2) : null,
    // km per hour = (d10 / 10000) / (elapsed / 3600), in hundredths
    speed_kmh: moving ? formatScaled(BigInt(divRoundSafe(d10 * 36, elapsed)), 2) : null,
    comment: a.comment,
  };
}
