// Crowd risk on windows worked out by hand (default weights: fill 0.5, overcrowding 1,
// importance 0.3, weather 0.2; gate readings valid 30 min; 15-minute windows):
//
//   score = 0.5 × fill + 1 × max(fill − 1, 0) + 0.3 × importance × min(fill, 1) + 0.2 × weather
//
// an overcrowded group match is high, not medium; a gate that stopped reporting is dropped once
// its reading is older than 30 min at the window's end (and a reading weeks later does not bring
// the match-day counts back); an empty final scores next to nothing. Computed in full from silver,
// then again incrementally after a late reading, then recomputed: the same rows each way.

import assert from 'node:assert/strict';
import test from 'node:test';
import type { Row } from '../index.js';
import { tempLake } from '../testing/tmp.js';
import { goldEngine, goldRows, pick } from './testing/gold-harness.js';
import { SilverFixture } from './testing/silver-fixture.js';

const STADIUMS = [
  { stadium_id: 1, name: 'Prince Moulay Abdellah', city: 'Rabat', capacity: 69500 },
  { stadium_id: 2, name: 'Al Barid', city: 'Rabat', capacity: 18000 },
  { stadium_id: 5, name: 'Mohammed V', city: 'Casablanca', capacity: 45000 },
];
const MATCHES = [
  { match_id: 1, home_team: 'Zambia', away_team: 'Comoros', stadium_id: 2, kickoff: new Date('2025-12-22T14:00:00Z'), stage: 'group' },
  { match_id: 2, home_team: 'Ivory Coast', away_team: 'Senegal', stadium_id: 5, kickoff: new Date('2026-01-14T20:00:00Z'), stage: 'semi_final' },
  { match_id: 3, home_team: 'Morocco', away_team: 'Nigeria', stadium_id: 1, kickoff: new Date('2026-01-18T20:00:00Z'), stage: 'final' },
];
let id = 1;
const reading = (match: number, at: string, gate: string, people: number, weather: string): Row => ({
  reading_id: BigInt(id++), match_id: match, read_at: new Date(at), gate, people_counted: people, ticket_scans: people, weather_risk: weather,
});
const READINGS = [
  // group match at Al Barid, window 13:45: 6000 × 3 + 5184 = 23,184 of 18,000 (128.8 %)
  reading(1, '2025-12-22T13:46:00Z', 'A', 6000, '0.300'),
  reading(1, '2025-12-22T13:47:00Z', 'B', 6000, '0.300'),
  reading(1, '2025-12-22T13:48:00Z', 'C', 6000, '0.300'),
  reading(1, '2025-12-22T13:49:00Z', 'D', 5184, '0.300'),
  // semi-final at Mohammed V: gate B reports once, at 19:05, then stops
  reading(2, '2026-01-14T19:00:00Z', 'A', 10000, '0.100'), // window 19:00: A 10,000 + B 10,000
  reading(2, '2026-01-14T19:05:00Z', 'B', 10000, '0.100'),
  reading(2, '2026-01-14T19:20:00Z', 'A', 20000, '0.100'), // window 19:15 (ends 19:30): B is 25 min old, still counted
  reading(2, '2026-01-14T19:40:00Z', 'A', 36000, '0.100'), // window 19:30 (ends 19:45): B is 40 min old, dropped
  // final at Prince Moulay Abdellah, nearly empty: 2,085 of 69,500 (3 %)
  reading(3, '2026-01-18T18:02:00Z', 'A', 1000, '0.050'),
  reading(3, '2026-01-18T18:03:00Z', 'B', 1085, '0.050'),
];
// weeks later one gate of the semi-final sends a reading (a counter test on 3 February)
const LATE = reading(2, '2026-02-03T10:05:00Z', 'C', 500, '0.000');

const COLUMNS = ['match_id', 'window_start', 'gates_counted', 'gates_stale', 'people_present', 'fill_rate', 'stage_importance', 'risk_score', 'risk_level'];
const win = (match: number, start: string, counted: number, stale: number, people: number, capacity: number, importance: number, score: number, level: string): Row => ({
  match_id: match, window_start: new Date(start), gates_counted: counted, gates_stale: stale, people_present: BigInt(people),
  fill_rate: people / capacity, stage_importance: importance, risk_score: score, risk_level: level,
});

const EXPECTED = [
  // 0.5 × 1.288 + 1 × 0.288 + 0.3 × 0.2 × 1 + 0.2 × 0.3 = 0.644 + 0.288 + 0.06 + 0.06 (was 0.62, medium: fill capped at 1)
  win(1, '2025-12-22T13:45:00Z', 4, 0, 23184, 18000, 0.2, 1.052, 'high'),
  // 0.5 × 0.4444 + 0.3 × 0.8 × 0.4444 + 0.2 × 0.1 = 0.2222 + 0.1067 + 0.02 = 0.3489
  win(2, '2026-01-14T19:00:00Z', 2, 0, 20000, 45000, 0.8, 0.349, 'low'),
  // 30,000: 0.3333 + 0.16 + 0.02 = 0.5133
  win(2, '2026-01-14T19:15:00Z', 2, 0, 30000, 45000, 0.8, 0.513, 'medium'),
  // A alone, 36,000 (0.8): 0.4 + 0.192 + 0.02 = 0.612 (was 46,000, over capacity)
  win(2, '2026-01-14T19:30:00Z', 1, 1, 36000, 45000, 0.8, 0.612, 'medium'),
  // 0.03: 0.015 + 0.3 × 1 × 0.03 + 0.2 × 0.05 = 0.015 + 0.009 + 0.01 = 0.034 (was 0.325: importance added in full)
  win(3, '2026-01-18T18:00:00Z', 2, 0, 2085, 69500, 1, 0.034, 'low'),
];

test('crowd risk: an overcrowded group match is high, a silent gate expires, an empty final is low; full and incremental agree', async (t) => {
  const root = tempLake(t, 'gold-crowd-');
  const silver = new SilverFixture(root);
  await silver.change('stadiums', STADIUMS);
  await silver.change('matches', MATCHES);
  await silver.change('crowd_readings', READINGS);
  const engine = goldEngine(root);
  await engine.start();
  assert.deepEqual(pick(await goldRows(root, 'match_crowd'), COLUMNS), EXPECTED);

  // the late reading: its window counts gate C alone (A's 19:40 count is weeks old)
  // 500 / 45,000 = 0.0111: 0.0056 + 0.3 × 0.8 × 0.0111 + 0 = 0.0082
  await silver.change('crowd_readings', [LATE]);
  assert.equal((await engine.refresh())?.mode, 'incremental');
  const late = win(2, '2026-02-03T10:00:00Z', 1, 2, 500, 45000, 0.8, 0.008, 'low');
  const rows = await goldRows(root, 'match_crowd');
  assert.deepEqual(pick(rows, COLUMNS), [...EXPECTED.slice(0, 4), late, EXPECTED[4]]);

  // the KPIs' highest-risk window is the overcrowded group match, not a carried-over count
  const [kpi] = await goldRows(root, 'kpis');
  assert.deepEqual(pick([kpi!], ['highest_risk_match_id', 'highest_risk_score', 'highest_risk_level', 'matches_high_risk'])[0],
    { highest_risk_match_id: 1, highest_risk_score: 1.052, highest_risk_level: 'high', matches_high_risk: 1 });

  await engine.recompute('test');
  assert.deepEqual(await goldRows(root, 'match_crowd'), rows, 'a full recomputation gives the same rows');
});
