// Gold on a small data set whose figures are worked out by hand below: bonus amounts (rounding
// included), refusals and their reasons, wellness days at 14, 15 and 16 activities, the calendar
// year in Paris, fill rates and risk levels; then the same figures after incremental changes
// (a deleted activity, a salary raise, a new commute mode, a departure, a renamed employee, a
// match moved to another stage).

import assert from 'node:assert/strict';
import test from 'node:test';
import { tempLake } from '../testing/tmp.js';
import { SilverFixture } from './testing/silver-fixture.js';
import { allGold, goldEngine, goldRows, pick } from './testing/gold-harness.js';
import type { Row } from '../index.js';

const employee = (id: number, first: string, last: string, bu: string, salary: string, mode: string, km: string, sport: string | null, town = '34970 Lattes'): Row => ({
  employee_id: id, last_name: last, first_name: first, birth_date: '1990-04-12', business_unit: bu, hire_date: '2019-09-01',
  gross_salary: salary, contract_type: 'CDI', paid_leave_days: 25, address: `${id} rue des Écoles, ${town}`,
  commute_mode: mode, commute_distance_km: km, declared_sport: sport,
});

const WALK = 'Marche/running';
const BIKE = 'Vélo/Trottinette/Autres';
const EMPLOYEES = [
  // home-to-office distances (great-circle × 1.3 from the commune's centre to Lattes'): Pérols 5.00 km, Frontignan 23.24 km, Lattes 0
  employee(101, 'Juliette', 'Mendes', 'Marketing', '41250.00', WALK, '3.50', 'Runing', '34470 Pérols'), // 5 % = 2062.50
  employee(102, 'Laurence', 'Morvan', 'Ventes', '38999.99', BIKE, '25.00', 'Randonnée', '34110 Frontignan'), // at the limit; 1949.9995 → 1950.00
  employee(103, 'Thomas', 'Martin', 'R&D', '52000.00', WALK, '18.40', 'Escalade'), // over 15 km: refused (2600.00 withheld)
  employee(104, 'Camille', 'Bernard', 'Finance', '30000.00', BIKE, '25.01', null), // over 25 km by 0.01: refused (1500.00)
  employee(105, 'Nicolas', 'Dubois', 'Support', '60000.00', 'Transports en commun', '12.00', null), // not a sporting mode
  employee(106, 'Léa', 'Durand', 'Support', '25570.33', WALK, '1.20', 'Natation'), // 1278.5165 → 1278.52
];

let nextId = 1001;
const activity = (employeeId: number, start: string, sport: string, distanceM: string | null, elapsedS: number, comment: string | null = null): Row => ({
  activity_id: BigInt(nextId++), employee_id: employeeId, start_time: new Date(start), sport_type: sport, distance_m: distanceM,
  elapsed_s: elapsedS, end_time: new Date(new Date(start).getTime() + elapsedS * 1000), comment,
});
/** The k-th routine activity: January to November 2025, never December. */
const routine = (employeeId: number, k: number, sport: string): Row =>
  activity(employeeId, new Date(Date.UTC(2025, k % 11, 10 + Math.floor(k / 11), 10, 0)).toISOString(), sport, '5000.0', 1800);

function activities(): { rows: Row[]; run: bigint; climb: bigint; newYear: bigint } {
  const rows: Row[] = [];
  // Juliette: 14 activities in 2025, the first a 10.8 km run in 46 min (Paris 08:00)
  const run = activity(101, '2025-03-10T07:00:00Z', 'Runing', '10800.0', 2760, 'Objectif semi-marathon');
  rows.push(run);
  for (let k = 1; k < 14; k++) rows.push(routine(101, k, 'Runing'));
  // Laurence: 15, two of them in December
  for (let k = 0; k < 13; k++) rows.push(routine(102, k, 'Randonnée'));
  rows.push(activity(102, '2025-12-05T10:00:00Z', 'Randonnée', '12000.0', 9000));
  rows.push(activity(102, '2025-12-20T10:00:00Z', 'Randonnée', '8000.0', 6000));
  // Thomas: 16, the first a climb (no distance)
  const climb = activity(103, '2025-02-01T17:00:00Z', 'Escalade', null, 5400);
  rows.push(climb);
  for (let k = 1; k < 16; k++) rows.push(routine(103, k, 'Escalade'));
  // Léa: 14 in 2025, and one at 23:30 UTC on 31 December: 00:30 on 1 January 2026 in Paris
  for (let k = 0; k < 14; k++) rows.push(routine(106, k, 'Natation'));
  const newYear = activity(106, '2025-12-31T23:30:00Z', 'Natation', '1500.0', 1800);
  rows.push(newYear);
  // someone HR does not know
  rows.push(activity(999, '2025-12-10T10:00:00Z', 'Runing', '5000.0', 1500));
  return { rows, run: run.activity_id as bigint, climb: climb.activity_id as bigint, newYear: newYear.activity_id as bigint };
}

const STADIUMS = [
  { stadium_id: 1, name: 'Prince Moulay Abdellah', city: 'Rabat', capacity: 69500 },
  { stadium_id: 2, name: 'Al Barid', city: 'Rabat', capacity: 18000 },
];
const MATCHES = [
  { match_id: 1, home_team: 'Morocco', away_team: 'Comoros', stadium_id: 2, kickoff: new Date('2025-12-21T14:00:00Z'), stage: 'group' },
  { match_id: 2, home_team: 'Morocco', away_team: 'Senegal', stadium_id: 1, kickoff: new Date('2026-01-18T20:00:00Z'), stage: 'final' },
  { match_id: 3, home_team: 'Egypt', away_team: 'Nigeria', stadium_id: 2, kickoff: new Date('2026-01-10T17:00:00Z'), stage: 'quarter_final' },
];
let readingId = 1;
const reading = (match: number, at: string, gate: string, people: number, scans: number, weather: string): Row => ({
  reading_id: BigInt(readingId++), match_id: match, read_at: new Date(at), gate, people_counted: people, ticket_scans: scans, weather_risk: weather,
});
const READINGS = [
  // match 1, window 13:00: A 3000 + B 1500 = 4500 of 18000
  reading(1, '2025-12-21T13:00:00Z', 'A', 3000, 2900, '0.100'),
  reading(1, '2025-12-21T13:05:00Z', 'B', 1500, 1500, '0.300'),
  // window 13:45: A 9000 + B 6000 = 15000
  reading(1, '2025-12-21T13:50:00Z', 'A', 9000, 8800, '0.200'),
  reading(1, '2025-12-21T13:52:00Z', 'B', 6000, 6000, '0.500'),
  // match 2, window 19:30: A, B, C 20000 each = 60000 of 69500
  reading(2, '2026-01-18T19:31:00Z', 'A', 20000, 19500, '0.050'),
  reading(2, '2026-01-18T19:32:00Z', 'B', 20000, 19600, '0.050'),
  reading(2, '2026-01-18T19:33:00Z', 'C', 20000, 19700, '0.050'),
  // window 19:45: D 8000, then A 25000: 25000 + 20000 + 20000 + 8000 = 73000, over capacity
  // (scans 24000 + 19600 + 19700 + 7900 = 71200)
  reading(2, '2026-01-18T19:50:00Z', 'D', 8000, 7900, '0.100'),
  reading(2, '2026-01-18T19:58:00Z', 'A', 25000, 24000, '0.080'),
  // a match that does not exist
  reading(99, '2026-01-18T19:58:00Z', 'A', 100, 100, '0.900'),
];

const BENEFIT_COLUMNS = ['employee_id', 'year', 'activity_count', 'wellness_days', 'bonus_year', 'distance_limit_km', 'bonus_status', 'bonus_paid', 'bonus_amount', 'refusal_reason'];
/** The row of the bonus year: the bonus decision. */
const benefit = (employee_id: number, year: number, activity_count: number, wellness_days: number, distance_limit_km: string | null,
  bonus_status: string, bonus_amount: string, refusal_reason: string | null = null): Row =>
  ({ employee_id, year, activity_count, wellness_days, bonus_year: true, distance_limit_km, bonus_status, bonus_paid: bonus_status === 'paid', bonus_amount, refusal_reason });
/** The row of another year: activities and wellness days only, no bonus (it is annual, counted once). */
const otherYear = (employee_id: number, year: number, activity_count: number, wellness_days: number): Row =>
  ({ employee_id, year, activity_count, wellness_days, bonus_year: false, distance_limit_km: null, bonus_status: null, bonus_paid: null, bonus_amount: null, refusal_reason: null });
const OVER_15 = 'declared commute distance 18.4 km is over the 15 km limit for Marche/running';
const OVER_25 = 'declared commute distance 25.01 km is over the 25 km limit for Vélo/Trottinette/Autres';

const CROWD_COLUMNS = ['match_id', 'window_start', 'gates_counted', 'people_present', 'ticket_scans', 'fill_rate', 'ticket_scan_rate', 'weather_risk', 'stage_importance', 'risk_score', 'risk_level'];

test('gold figures equal the ones worked out by hand, after a full computation and after incremental changes', async (t) => {
  const root = tempLake(t, 'gold-figures-');
  const silver = new SilverFixture(root);
  const acts = activities();
  await silver.change('employees', EMPLOYEES);
  await silver.change('activities', acts.rows);
  await silver.change('stadiums', STADIUMS);
  await silver.change('matches', MATCHES);
  await silver.change('crowd_readings', READINGS);

  const engine = goldEngine(root);
  const started = await engine.start();
  assert.equal(started?.mode, 'full', 'a new gold is computed from silver in full');

  // ---- activities_enriched
  const enriched = await goldRows(root, 'activities_enriched');
  assert.equal(enriched.length, 60, '14 + 15 + 16 + 15 activities of known employees; the one of employee 999 is left out');
  assert.ok(!enriched.some((r) => r.employee_id === 999));
  const run = enriched.find((r) => r.activity_id === acts.run)!;
  assert.deepEqual(pick([run], ['employee_id', 'first_name', 'last_name', 'business_unit', 'declared_sport', 'commute_mode', 'sport_type', 'is_declared_sport',
    'activity_date', 'activity_year', 'activity_month', 'distance_m', 'distance_km', 'elapsed_s', 'duration_min', 'pace_min_per_km', 'speed_kmh', 'comment'])[0], {
    employee_id: 101, first_name: 'Juliette', last_name: 'Mendes', business_unit: 'Marketing', declared_sport: 'Runing', commute_mode: WALK,
    sport_type: 'Runing', is_declared_sport: true, activity_date: '2025-03-10', activity_year: 2025, activity_month: '2025-03',
    // 46 min for 10.8 km: 4.259 min/km, 14.087 km/h
    distance_m: '10800.0', distance_km: '10.800', elapsed_s: 2760, duration_min: '46.00', pace_min_per_km: '4.26', speed_kmh: '14.09',
    comment: 'Objectif semi-marathon',
  });
  assert.equal((run.start_time as Date).toISOString(), '2025-03-10T07:00:00.000Z');
  const climb = enriched.find((r) => r.activity_id === acts.climb)!;
  assert.deepEqual(pick([climb], ['distance_km', 'duration_min', 'pace_min_per_km', 'speed_kmh', 'is_declared_sport'])[0],
    { distance_km: null, duration_min: '90.00', pace_min_per_km: null, speed_kmh: null, is_declared_sport: true });
  const newYear = enriched.find((r) => r.activity_id === acts.newYear)!;
  assert.deepEqual(pick([newYear], ['activity_date', 'activity_year', 'activity_month'])[0], { activity_date: '2026-01-01', activity_year: 2026, activity_month: '2026-01' });

  // ---- employee_benefits: every employee for 2025 and 2026 (the years with activities); the bonus on the 2026 row alone
  const benefits0 = await goldRows(root, 'employee_benefits');
  assert.deepEqual(pick(benefits0, BENEFIT_COLUMNS), [
    otherYear(101, 2025, 14, 0),
    benefit(101, 2026, 0, 0, '15.00', 'paid', '2062.50'),
    otherYear(102, 2025, 15, 5),
    benefit(102, 2026, 0, 0, '25.00', 'paid', '1950.00'),
    otherYear(103, 2025, 16, 5),
    benefit(103, 2026, 0, 0, '15.00', 'refused', '0.00', OVER_15),
    otherYear(104, 2025, 0, 0),
    benefit(104, 2026, 0, 0, '25.00', 'refused', '0.00', OVER_25),
    otherYear(105, 2025, 0, 0),
    benefit(105, 2026, 0, 0, null, 'not_eligible', '0.00'),
    otherYear(106, 2025, 14, 0),
    benefit(106, 2026, 1, 0, '15.00', 'paid', '1278.52'),
  ]);
  // what a report's plain SUM gives, over both years: each bonus once (it was 2 × 5291.02)
  const sumCents = (rows: Row[]) => rows.reduce((n, r) => n + (r.bonus_amount === null ? 0n : BigInt(String(r.bonus_amount).replace('.', ''))), 0n);
  assert.equal(sumCents(benefits0), 529102n);
  assert.deepEqual(pick(benefits0.filter((r) => r.employee_id === 101), ['year', 'gross_salary', 'home_commune', 'home_distance_km']),
    [{ year: 2025, gross_salary: null, home_commune: null, home_distance_km: null }, { year: 2026, gross_salary: '41250.00', home_commune: 'Pérols', home_distance_km: '5.00' }]);

  // ---- hr_declaration_flags
  assert.deepEqual(pick(await goldRows(root, 'hr_declaration_flags'), ['employee_id', 'commute_distance_km', 'distance_limit_km', 'excess_km', 'bonus_withheld', 'reason', 'address']), [
    { employee_id: 103, commute_distance_km: '18.40', distance_limit_km: '15.00', excess_km: '3.40', bonus_withheld: '2600.00', reason: OVER_15, address: '103 rue des Écoles, 34970 Lattes' },
    { employee_id: 104, commute_distance_km: '25.01', distance_limit_km: '25.00', excess_km: '0.01', bonus_withheld: '1500.00', reason: OVER_25, address: '104 rue des Écoles, 34970 Lattes' },
  ]);

  // ---- match_crowd: score = 0.5 × fill + 1 × max(fill − 1, 0) + 0.3 × importance × min(fill, 1) + 0.2 × weather, rounded to 3 places
  const crowd = (match: number, start: string, gates: number, people: number, scans: number, weather: string, importance: number, score: number, level: string): Row => ({
    match_id: match, window_start: new Date(start), gates_counted: gates, people_present: BigInt(people), ticket_scans: BigInt(scans),
    fill_rate: people / (match === 1 ? 18000 : 69500), ticket_scan_rate: scans / people, weather_risk: weather, stage_importance: importance, risk_score: score, risk_level: level,
  });
  assert.deepEqual(pick(await goldRows(root, 'match_crowd'), CROWD_COLUMNS), [
    crowd(1, '2025-12-21T13:00:00Z', 2, 4500, 4400, '0.300', 0.2, 0.2, 'low'), // 0.125 + 0.3 × 0.2 × 0.25 + 0.06 = 0.125 + 0.015 + 0.06
    crowd(1, '2025-12-21T13:45:00Z', 2, 15000, 14800, '0.500', 0.2, 0.567, 'medium'), // 0.4167 + 0.05 + 0.1
    crowd(2, '2026-01-18T19:30:00Z', 3, 60000, 58800, '0.050', 1, 0.701, 'medium'), // 0.4317 + 0.2590 + 0.01
    crowd(2, '2026-01-18T19:45:00Z', 4, 73000, 71200, '0.100', 1, 0.896, 'high'), // fill 1.0504: 0.5252 + 0.0504 over capacity + 0.3 + 0.02
  ]);
  const window2 = (await goldRows(root, 'match_crowd'))[3]!;
  assert.deepEqual(pick([window2], ['stadium_name', 'capacity', 'stage', 'minutes_from_kickoff'])[0], { stadium_name: 'Prince Moulay Abdellah', capacity: 69500, stage: 'final', minutes_from_kickoff: -15 });

  // ---- kpis: the reporting month is January 2026 (Léa's swim at 00:30 in Paris)
  const kpiColumns = ['reporting_month', 'reporting_year', 'employees', 'employees_bonus_paid', 'employees_bonus_refused', 'bonus_cost_total',
    'activities_year', 'activities_month', 'employees_with_wellness_days', 'wellness_days_granted', 'matches_with_readings', 'matches_high_risk',
    'highest_risk_match_id', 'highest_risk_match', 'highest_risk_stage', 'highest_risk_score', 'highest_risk_level'];
  const highest = { matches_with_readings: 2, matches_high_risk: 1, highest_risk_match_id: 2, highest_risk_match: 'Morocco – Senegal', highest_risk_stage: 'final', highest_risk_score: 0.896, highest_risk_level: 'high' };
  assert.deepEqual(pick(await goldRows(root, 'kpis'), kpiColumns), [{
    reporting_month: '2026-01', reporting_year: 2026, employees: 6, employees_bonus_paid: 3, employees_bonus_refused: 2,
    bonus_cost_total: '5291.02', // 2062.50 + 1950.00 + 1278.52
    activities_year: 1, activities_month: 1, employees_with_wellness_days: 0, wellness_days_granted: 0, ...highest,
  }]);

  // ---- incremental 1: Léa's New Year swim is deleted: 2026 leaves gold, December 2025 is the reporting month
  await silver.change('activities', [], [acts.newYear]);
  const r1 = await engine.refresh();
  assert.equal(r1?.mode, 'incremental');
  assert.ok(!(await goldRows(root, 'activities_enriched')).some((r) => r.activity_id === acts.newYear));
  const benefits1 = await goldRows(root, 'employee_benefits');
  assert.deepEqual(benefits1.map((r) => `${r.employee_id}/${r.year}`), ['101/2025', '102/2025', '103/2025', '104/2025', '105/2025', '106/2025']);
  assert.ok(benefits1.every((r) => r.bonus_year === true && r.bonus_status !== null), 'the bonus moved to 2025, now the latest year');
  assert.equal(sumCents(benefits1), 529102n);
  assert.deepEqual(pick(await goldRows(root, 'kpis'), kpiColumns), [{
    reporting_month: '2025-12', reporting_year: 2025, employees: 6, employees_bonus_paid: 3, employees_bonus_refused: 2, bonus_cost_total: '5291.02',
    activities_year: 59, activities_month: 2, employees_with_wellness_days: 2, wellness_days_granted: 10, ...highest,
  }]);

  // ---- incremental 2, one silver commit per table: a raise, a new commute mode, a departure, a new name; the group match becomes a semi-final
  await silver.change('employees', [
    { ...EMPLOYEES[0], gross_salary: '45000.00' }, // 2250.00
    { ...EMPLOYEES[1], last_name: 'Morvan-Leroy' },
    { ...EMPLOYEES[3], commute_mode: 'Transports en commun' },
  ], [105]);
  await silver.change('matches', [{ ...MATCHES[0], stage: 'semi_final' }]);
  const r2 = await engine.refresh();
  assert.equal(r2?.mode, 'incremental');
  assert.deepEqual(pick(await goldRows(root, 'employee_benefits'), BENEFIT_COLUMNS), [
    benefit(101, 2025, 14, 0, '15.00', 'paid', '2250.00'),
    benefit(102, 2025, 15, 5, '25.00', 'paid', '1950.00'),
    benefit(103, 2025, 16, 5, '15.00', 'refused', '0.00', OVER_15),
    benefit(104, 2025, 0, 0, null, 'not_eligible', '0.00'),
    benefit(106, 2025, 14, 0, '15.00', 'paid', '1278.52'),
  ]);
  assert.deepEqual((await goldRows(root, 'hr_declaration_flags')).map((r) => r.employee_id), [103]);
  const enriched2 = await goldRows(root, 'activities_enriched');
  assert.deepEqual([...new Set(enriched2.filter((r) => r.employee_id === 102).map((r) => r.last_name))], ['Morvan-Leroy']);
  assert.equal(enriched2.length, 59);
  // semi-final importance 0.8: 0.125 + 0.3 × 0.8 × 0.25 + 0.06 = 0.245 (low); 0.4167 + 0.3 × 0.8 × 0.8333 + 0.1 = 0.717 (medium)
  assert.deepEqual((await goldRows(root, 'match_crowd')).filter((r) => r.match_id === 1).map((r) => [r.stage, r.risk_score, r.risk_level]),
    [['semi_final', 0.245, 'low'], ['semi_final', 0.717, 'medium']]);
  assert.deepEqual(pick(await goldRows(root, 'kpis'), kpiColumns), [{
    reporting_month: '2025-12', reporting_year: 2025, employees: 5, employees_bonus_paid: 3, employees_bonus_refused: 1,
    bonus_cost_total: '5478.52', // 2250.00 + 1950.00 + 1278.52
    activities_year: 59, activities_month: 2, employees_with_wellness_days: 2, wellness_days_granted: 10, ...highest,
  }]);
  for (const [name, rows] of Object.entries(await allGold(root))) {
    assert.ok(!rows.some((r) => r.employee_id === 105), `the departed employee left ${name}`);
  }

  // ---- and a full recomputation from silver gives the same gold
  const incremental = await allGold(root);
  await engine.recompute('test');
  assert.deepEqual(await allGold(root), incremental);
});
