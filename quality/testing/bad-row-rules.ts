// Which rule of quality/rules is meant to catch each kind of bad row demo/bad-rows.ts makes.
import type { BadRowKind } from '../../demo/bad-rows.js';

export const EXPECTED_RULE: Record<BadRowKind, { table: string; rule: string; message: RegExp }> = {
  negative_distance: { table: 'public.activities', rule: 'distance_plausible', message: /^distance_m = -\d+ is not above 0$/ },
  absurd_distance: { table: 'public.activities', rule: 'distance_plausible', message: /^distance_m = \d+ is above 300000$/ },
  unknown_employee: { table: 'public.activities', rule: 'employee_exists', message: /^employee_id = \d{1,4} has no row in public\.employees \(employee_id\)$/ },
  end_before_start: { table: 'public.activities', rule: 'ends_after_start', message: /^end_time = "[^"]+" is not > start_time = "[^"]+"$/ },
  distance_for_climbing: { table: 'public.activities', rule: 'distance_only_for_distance_sports', message: /^distance_m = \d+ is set but sport_type = "Escalade" has none$/ },
  future_date: { table: 'public.activities', rule: 'start_not_in_future', message: /^start_time = "[^"]+" is above \d{4}-\d\d-\d\dT[\d:.]+Z$/ },
  zero_salary: { table: 'public.employees', rule: 'schema', message: /^\/gross_salary must be > 0$/ },
};
