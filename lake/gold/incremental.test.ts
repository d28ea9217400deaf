// A long random workload on every silver table (new activities, edits that move an activity to
// another employee or year, deletions; salary raises, new commute modes and distances, renames,
// departures and re-hires; stadium capacities; match stages, stadiums and kickoffs; crowd
// readings added, corrected, moved and deleted), applied in silver commits and refreshed
// incrementally, sometimes several commits per refresh, with restarts in between: the gold
// maintained this way equals a from-scratch recomputation at every checkpoint.

import assert from 'node:assert/strict';
import test from 'node:test';
import { makeEmployees, makeHistory, makeMatches, makeReadings, rng } from '../../demo/generate.js';
import { COMMENTS, COMMUTE_MODES, GATES, SPORTS, STADIUMS, STAGES } from '../../demo/reference-data.js';
import type { Row } from '../index.js';
import { tempLake } from '../testing/tmp.js';
import { allGold, goldEngine } from './testing/gold-harness.js';
import { SilverFixture } from './testing/silver-fixture.js';

const SEED = Number(process.env.GOLD_TEST_SEED ?? 20260118);

test(`incrementally maintained gold equals a full recomputation after a random workload (seed ${SEED})`, async (t) => {
  const root = tempLake(t, 'gold-random-');
  const r = rng(SEED);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const chance = (p: number) => r() < p;
  const silver = new SilverFixture(root);

  // the demo's shapes, smaller: 40 employees, their activities over the year to mid-January 2026
  const employees = new Map<number, Row>();
  for (const e of makeEmployees(r, 40)) employees.set(e.employee_id, { ...e });
  const activities = new Map<bigint, Row>();
  let nextActivity = 1n;
  for (const a of makeHistory(r, [...employees.values()] as never, new Date('2026-01-15T12:00:00Z'))) {
    const id = nextActivity++;
    activities.set(id, { ...a, activity_id: id });
  }
  const matches = new Map<number, Row>(makeMatches(r).map((m) => [m.match_id, { ...m }]));
  const readings = new Map<bigint, Row>();
  let nextReading = 1n;
  for (const m of [...matches.values()].slice(0, 12)) {
    for (const x of makeReadings(r, m as never)) {
      const id = nextReading++;
      readings.set(id, { ...x, reading_id: id });
    }
  }
  await silver.change('employees', [...employees.values()]);
  await silver.change('activities', [...activities.values()]);
  await silver.change('stadiums', STADIUMS.map((s) => ({ stadium_id: s.id, name: s.name, city: s.city, capacity: s.capacity })));
  await silver.change('matches', [...matches.values()]);
  await silver.change('crowd_readings', [...readings.values()]);

  let engine = goldEngine(root);
  assert.equal((await engine.start())?.mode, 'full');
  const departed = new Set<number>();
  const randomTime = () => new Date(Date.UTC(2024, 11, 1) + r() * 450 * 86_400_000);
  const someKey = <K>(m: Map<K, unknown>): K | undefined => (m.size ? pick([...m.keys()]) : undefined);

  const activityChanges = () => {
    const up: Row[] = [];
    const del: bigint[] = [];
    for (let i = 0, n = 1 + Math.floor(r() * 25); i < n; i++) {
      const x = r();
      if (x < 0.5 || activities.size === 0) {
        const start = randomTime();
        const elapsed = 600 + Math.floor(r() * 7200);
        const employeeId = chance(0.05) ? 999_999 : pick([...employees.keys(), ...departed]);
        const a: Row = {
          activity_id: nextActivity++, employee_id: employeeId, start_time: start, sport_type: pick(SPORTS),
          distance_m: chance(0.3) ? null : (Math.round(r() * 300000) / 10).toFixed(1), elapsed_s: elapsed,
          end_time: new Date(start.getTime() + elapsed * 1000), comment: chance(0.3) ? pick(COMMENTS) : null,
        };
        activities.set(a.activity_id as bigint, a);
        up.push(a);
      } else if (x < 0.8) {
        const id = someKey(activities)!;
        const a = { ...activities.get(id)! };
        const what = r();
        if (what < 0.3) a.start_time = randomTime(); // may cross a month or a year
        else if (what < 0.5) a.employee_id = pick([...employees.keys()]);
        else if (what < 0.7) a.distance_m = chance(0.2) ? null : (Math.round(r() * 300000) / 10).toFixed(1);
        else if (what < 0.85) a.elapsed_s = 60 + Math.floor(r() * 9000);
        else a.comment = pick(COMMENTS);
        activities.set(id, a);
        up.push(a);
      } else {
        const id = someKey(activities)!;
        activities.delete(id);
        del.push(id);
      }
    }
    return { up, del };
  };

  const employeeChanges = () => {
    const up: Row[] = [];
    const del: number[] = [];
    for (let i = 0, n = 1 + Math.floor(r() * 4); i < n; i++) {
      const x = r();
      if (x < 0.12 && departed.size) {
        // a re-hire under the same id, with a new commute
        const id = pick([...departed]);
        departed.delete(id);
        const e = { ...makeEmployees(r, 1)[0]!, employee_id: id };
        employees.set(id, e);
        up.push(e);
      } else if (x < 0.2) {
        const id = someKey(employees)!;
        employees.delete(id);
        departed.add(id);
        del.push(id);
      } else if (x < 0.25) {
        const e = { ...makeEmployees(r, 1)[0]!, employee_id: 200_000 + Math.floor(r() * 100_000) };
        if (employees.has(e.employee_id) || departed.has(e.employee_id)) continue;
        employees.set(e.employee_id, e);
        up.push(e);
      } else {
        const id = someKey(employees)!;
        const e = { ...employees.get(id)! };
        const what = r();
        if (what < 0.3) e.gross_salary = (Number(e.gross_salary) * (1 + r() * 0.1)).toFixed(2); // a raise
        else if (what < 0.55) e.commute_mode = pick(COMMUTE_MODES);
        else if (what < 0.75) e.commute_distance_km = (r() * 40).toFixed(2);
        else if (what < 0.85) e.last_name = `${e.last_name}-${Math.floor(r() * 100)}`;
        else if (what < 0.93) e.declared_sport = chance(0.3) ? null : pick(SPORTS);
        else e.address = `${Math.floor(r() * 200)} avenue de la Liberté, 34000 Montpellier`;
        employees.set(id, e);
        up.push(e);
      }
    }
    return { up, del };
  };

  const matchChanges = () => {
    const up: Row[] = [];
    const del: number[] = [];
    const id = someKey(matches)!;
    const x = r();
    if (x < 0.1) {
      matches.delete(id);
      del.push(id);
    } else if (x < 0.2) {
      const m = { match_id: 1000 + Math.floor(r() * 100), home_team: 'Mali', away_team: 'Zambia', stadium_id: pick(STADIUMS).id, kickoff: randomTime(), stage: pick(STAGES) };
      matches.set(m.match_id, m);
      up.push(m);
    } else {
      const m = { ...matches.get(id)! };
      const what = r();
      if (what < 0.4) m.stage = pick(STAGES);
      else if (what < 0.7) m.stadium_id = chance(0.1) ? 77 : pick(STADIUMS).id; // 77: no such stadium
      else m.kickoff = randomTime();
      matches.set(id, m);
      up.push(m);
    }
    return { up, del };
  };

  const readingChanges = () => {
    const up: Row[] = [];
    const del: bigint[] = [];
    for (let i = 0, n = 1 + Math.floor(r() * 10); i < n; i++) {
      const x = r();
      if (x < 0.5 || readings.size === 0) {
        const match = chance(0.05) ? 5000 : pick([...matches.keys()].slice(0, 20));
        const m = matches.get(match);
        const base = m ? (m.kickoff as string | Date) : '2026-01-01T12:00:00Z';
        const at = new Date(new Date(base).getTime() + (r() - 0.7) * 3 * 3600_000);
        const reading: Row = { reading_id: nextReading++, match_id: match, read_at: at, gate: pick(GATES), people_counted: Math.floor(r() * 20000), ticket_scans: Math.floor(r() * 19000), weather_risk: r().toFixed(3) };
        readings.set(reading.reading_id as bigint, reading);
        up.push(reading);
      } else if (x < 0.85) {
        const id = someKey(readings)!;
        const reading = { ...readings.get(id)! };
        if (chance(0.2)) reading.match_id = pick([...matches.keys()]);
        else if (chance(0.3)) reading.read_at = new Date((reading.read_at as Date | string) instanceof Date ? (reading.read_at as Date).getTime() + 900_000 : Date.parse(reading.read_at as string) + 900_000);
        else reading.people_counted = Math.floor(r() * 30000);
        readings.set(id, reading);
        up.push(reading);
      } else {
        const id = someKey(readings)!;
        readings.delete(id);
        del.push(id);
      }
    }
    return { up, del };
  };

  const ROUNDS = 60;
  let refreshes = 0;
  for (let round = 1; round <= ROUNDS; round++) {
    for (let c = 0, commits = 1 + Math.floor(r() * 3); c < commits; c++) {
      const which = r();
      if (which < 0.45) {
        const { up, del } = activityChanges();
        await silver.change('activities', up, del);
      } else if (which < 0.7) {
        const { up, del } = employeeChanges();
        await silver.change('employees', up, del);
      } else if (which < 0.8) {
        const { up, del } = matchChanges();
        await silver.change('matches', up, del);
      } else if (which < 0.85) {
        const s = pick(STADIUMS);
        if (chance(0.2)) await silver.change('stadiums', [], [s.id]);
        else await silver.change('stadiums', [{ stadium_id: s.id, name: s.name, city: s.city, capacity: Math.floor(s.capacity * (0.8 + r() * 0.4)) }]);
      } else {
        const { up, del } = readingChanges();
        await silver.change('crowd_readings', up, del);
      }
    }
    // sometimes let silver run ahead: one refresh then covers several commits
    if (chance(0.7)) {
      const report = await engine.refresh();
      assert.notEqual(report?.mode, 'full', `round ${round}: an incremental refresh (${report?.reason})`);
      refreshes++;
    }
    if (round % 20 === 0) {
      // a restart goes on from the versions gold records, without recomputing
      await engine.refresh();
      engine = goldEngine(root);
      assert.equal(await engine.start(), undefined, `round ${round}: the restarted engine resumes`);
    }
    if (round % 15 === 0 || round === ROUNDS) {
      await engine.refresh();
      const incremental = await allGold(root);
      await engine.recompute('comparison');
      const full = await allGold(root);
      for (const name of Object.keys(full)) {
        assert.equal(incremental[name]!.length, full[name]!.length, `round ${round}: ${name} has as many rows as a full recomputation`);
        assert.deepEqual(incremental[name], full[name], `round ${round}: ${name} equals a full recomputation`);
      }
    }
  }
  assert.ok(refreshes > 30);

  // deleted employees left gold; every employee in HR is there
  const gold = await allGold(root);
  assert.ok(departed.size > 0, 'the workload made some employees leave');
  for (const [name, rows] of Object.entries(gold)) {
    const ids = new Set(rows.map((x) => x.employee_id).filter((x) => x !== undefined));
    for (const id of departed) assert.ok(!ids.has(id), `departed employee ${id} left ${name}`);
  }
  const inBenefits = new Set(gold.employee_benefits!.map((x) => x.employee_id));
  for (const id of employees.keys()) assert.ok(inBenefits.has(id), `employee ${id} has benefits rows`);
  // activities_enriched holds exactly the activities of employees in HR
  const expected = [...activities.values()].filter((a) => employees.has(a.employee_id as number)).map((a) => a.activity_id).sort((a, b) => (a as bigint) < (b as bigint) ? -1 : 1);
  assert.deepEqual(gold.activities_enriched!.map((x) => x.activity_id), expected);
});
