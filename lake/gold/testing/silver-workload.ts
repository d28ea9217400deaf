// A random workload on the five silver tables, in the demo's shapes: new activities, edits that
// move an activity to another employee or year, deletions; salary raises, new commute modes and
// distances, renames, departures and re-hires; stadium capacities and removals; match stages,
// stadiums and kickoffs; crowd readings added, corrected, moved and deleted. Each step is one
// silver commit. It keeps what silver should hold, so tests can say what gold must show.

import { makeEmployees, makeHistory, makeMatches, makeReadings, rng } from '../../../demo/generate.js';
import { COMMENTS, COMMUTE_MODES, GATES, SPORTS, STADIUMS, STAGES } from '../../../demo/reference-data.js';
import type { Row } from '../../index.js';
import type { SilverTable } from '../silver-inputs.js';
import type { SilverFixture } from './silver-fixture.js';

export class SilverWorkload {
  private readonly r: () => number;
  readonly employees = new Map<number, Row>();
  readonly departed = new Set<number>();
  readonly activities = new Map<bigint, Row>();
  readonly matches = new Map<number, Row>();
  readonly readings = new Map<bigint, Row>();
  private nextActivity = 1n;
  private nextReading = 1n;

  constructor(
    private readonly silver: SilverFixture,
    seed: number,
  ) {
    this.r = rng(seed);
  }

  /** The initial silver tables: `employees` employees and their year of activities to mid-January 2026. */
  async seed(employees = 40, matchesWithReadings = 12): Promise<void> {
    for (const e of makeEmployees(this.r, employees)) this.employees.set(e.employee_id, { ...e });
    for (const a of makeHistory(this.r, [...this.employees.values()] as never, new Date('2026-01-15T12:00:00Z'))) {
      const id = this.nextActivity++;
      this.activities.set(id, { ...a, activity_id: id });
    }
    for (const m of makeMatches(this.r)) this.matches.set(m.match_id, { ...m });
    for (const m of [...this.matches.values()].slice(0, matchesWithReadings)) {
      for (const x of makeReadings(this.r, m as never)) {
        const id = this.nextReading++;
        this.readings.set(id, { ...x, reading_id: id });
      }
    }
    await this.silver.change('employees', [...this.employees.values()]);
    await this.silver.change('activities', [...this.activities.values()]);
    await this.silver.change('stadiums', STADIUMS.map((s) => ({ stadium_id: s.id, name: s.name, city: s.city, capacity: s.capacity })));
    await this.silver.change('matches', [...this.matches.values()]);
    await this.silver.change('crowd_readings', [...this.readings.values()]);
  }

  /** One silver commit on a random table; returns the table. */
  async step(): Promise<SilverTable> {
    const which = this.r();
    if (which < 0.45) {
      const { up, del } = this.activityChanges();
      await this.silver.change('activities', up, del);
      return 'activities';
    }
    if (which < 0.7) {
      const { up, del } = this.employeeChanges();
      await this.silver.change('employees', up, del);
      return 'employees';
    }
    if (which < 0.8) {
      const { up, del } = this.matchChanges();
      await this.silver.change('matches', up, del);
      return 'matches';
    }
    if (which < 0.85) {
      const s = this.pick(STADIUMS);
      if (this.chance(0.2)) await this.silver.change('stadiums', [], [s.id]);
      else await this.silver.change('stadiums', [{ stadium_id: s.id, name: s.name, city: s.city, capacity: Math.floor(s.capacity * (0.8 + this.r() * 0.4)) }]);
      return 'stadiums';
    }
    const { up, del } = this.readingChanges();
    await this.silver.change('crowd_readings', up, del);
    return 'crowd_readings';
  }

  chance(p: number): boolean {
    return this.r() < p;
  }

  private pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.r() * xs.length)]!;
  }

  private someKey<K>(m: Map<K, unknown>): K | undefined {
    return m.size ? this.pick([...m.keys()]) : undefined;
  }

  /** From December 2024 to February 2026: edits cross months and years. */
  private randomTime(): Date {
    return new Date(Date.UTC(2024, 11, 1) + this.r() * 450 * 86_400_000);
  }

  private activityChanges(): { up: Row[]; del: bigint[] } {
    const up: Row[] = [];
    const del: bigint[] = [];
    for (let i = 0, n = 1 + Math.floor(this.r() * 25); i < n; i++) {
      const x = this.r();
      if (x < 0.5 || this.activities.size === 0) {
        const start = this.randomTime();
        const elapsed = 600 + Math.floor(this.r() * 7200);
        const employeeId = this.chance(0.05) ? 999_999 : this.pick([...this.employees.keys(), ...this.departed]);
        const a: Row = {
          activity_id: this.nextActivity++, employee_id: employeeId, start_time: start, sport_type: this.pick(SPORTS),
          distance_m: this.chance(0.3) ? null : (Math.round(this.r() * 300000) / 10).toFixed(1), elapsed_s: elapsed,
          end_time: new Date(start.getTime() + elapsed * 1000), comment: this.chance(0.3) ? this.pick(COMMENTS) : null,
        };
        this.activities.set(a.activity_id as bigint, a);
        up.push(a);
      } else if (x < 0.8) {
        const id = this.someKey(this.activities)!;
        const a = { ...this.activities.get(id)! };
        const what = this.r();
        if (what < 0.3) a.start_time = this.randomTime();
        else if (what < 0.5) a.employee_id = this.pick([...this.employees.keys()]);
        else if (what < 0.7) a.distance_m = this.chance(0.2) ? null : (Math.round(this.r() * 300000) / 10).toFixed(1);
        else if (what < 0.85) a.elapsed_s = 60 + Math.floor(this.r() * 9000);
        else a.comment = this.pick(COMMENTS);
        this.activities.set(id, a);
        up.push(a);
      } else {
        const id = this.someKey(this.activities)!;
        this.activities.delete(id);
        del.push(id);
      }
    }
    return { up, del };
  }

  private employeeChanges(): { up: Row[]; del: number[] } {
    const up: Row[] = [];
    const del: number[] = [];
    for (let i = 0, n = 1 + Math.floor(this.r() * 4); i < n; i++) {
      const x = this.r();
      if (x < 0.12 && this.departed.size) {
        // a re-hire under the same id, with a new commute
        const id = this.pick([...this.departed]);
        this.departed.delete(id);
        const e = { ...makeEmployees(this.r, 1)[0]!, employee_id: id };
        this.employees.set(id, e);
        up.push(e);
      } else if (x < 0.2 && this.employees.size > 1) {
        const id = this.someKey(this.employees)!;
        if (up.some((e) => e.employee_id === id)) continue;
        this.employees.delete(id);
        this.departed.add(id);
        del.push(id);
      } else if (x < 0.25) {
        const e = { ...makeEmployees(this.r, 1)[0]!, employee_id: 200_000 + Math.floor(this.r() * 100_000) };
        if (this.employees.has(e.employee_id) || this.departed.has(e.employee_id)) continue;
        this.employees.set(e.employee_id, e);
        up.push(e);
      } else {
        const id = this.someKey(this.employees)!;
        const e = { ...this.employees.get(id)! };
        const what = this.r();
        if (what < 0.3) e.gross_salary = (Number(e.gross_salary) * (1 + this.r() * 0.1)).toFixed(2); // a raise
        else if (what < 0.55) e.commute_mode = this.pick(COMMUTE_MODES);
        else if (what < 0.75) e.commute_distance_km = (this.r() * 40).toFixed(2);
        else if (what < 0.85) e.last_name = `${e.last_name}-${Math.floor(this.r() * 100)}`;
        else if (what < 0.93) e.declared_sport = this.chance(0.3) ? null : this.pick(SPORTS);
        else e.address = `${Math.floor(this.r() * 200)} avenue de la Liberté, 34000 Montpellier`;
        this.employees.set(id, e);
        up.push(e);
      }
    }
    return { up, del: del.filter((id) => !up.some((e) => e.employee_id === id)) };
  }

  private matchChanges(): { up: Row[]; del: number[] } {
    const id = this.someKey(this.matches)!;
    const x = this.r();
    if (x < 0.1) {
      this.matches.delete(id);
      return { up: [], del: [id] };
    }
    if (x < 0.2) {
      const m = { match_id: 1000 + Math.floor(this.r() * 100), home_team: 'Mali', away_team: 'Zambia', stadium_id: this.pick(STADIUMS).id, kickoff: this.randomTime(), stage: this.pick(STAGES) };
      this.matches.set(m.match_id, m);
      return { up: [m], del: [] };
    }
    const m = { ...this.matches.get(id)! };
    const what = this.r();
    if (what < 0.4) m.stage = this.pick(STAGES);
    else if (what < 0.7) m.stadium_id = this.chance(0.1) ? 77 : this.pick(STADIUMS).id; // 77: no such stadium
    else m.kickoff = this.randomTime();
    this.matches.set(id, m);
    return { up: [m], del: [] };
  }

  private readingChanges(): { up: Row[]; del: bigint[] } {
    const up: Row[] = [];
    const del: bigint[] = [];
    for (let i = 0, n = 1 + Math.floor(this.r() * 10); i < n; i++) {
      const x = this.r();
      if (x < 0.5 || this.readings.size === 0) {
        const match = this.chance(0.05) ? 5000 : this.pick([...this.matches.keys()].slice(0, 20));
        const m = this.matches.get(match);
        const base = m ? new Date(m.kickoff as string | Date).getTime() : Date.parse('2026-01-01T12:00:00Z');
        const reading: Row = {
          reading_id: this.nextReading++, match_id: match, read_at: new Date(base + (this.r() - 0.7) * 3 * 3600_000), gate: this.pick(GATES),
          people_counted: Math.floor(this.r() * 20000), ticket_scans: Math.floor(this.r() * 19000), weather_risk: this.r().toFixed(3),
        };
        this.readings.set(reading.reading_id as bigint, reading);
        up.push(reading);
      } else if (x < 0.85) {
        const id = this.someKey(this.readings)!;
        const reading = { ...this.readings.get(id)! };
        if (this.chance(0.2)) reading.match_id = this.pick([...this.matches.keys()]);
        else if (this.chance(0.3)) reading.read_at = new Date(new Date(reading.read_at as string | Date).getTime() + 900_000);
        else reading.people_counted = Math.floor(this.r() * 30000);
        this.readings.set(id, reading);
        up.push(reading);
      } else {
        const id = this.someKey(this.readings)!;
        if (up.some((x) => x.reading_id === id)) continue;
        this.readings.delete(id);
        del.push(id);
      }
    }
    return { up, del };
  }

  /** The activity ids gold's activities_enriched must hold: those of employees in HR. */
  expectedActivityIds(): bigint[] {
    return [...this.activities.values()]
      .filter((a) => this.employees.has(a.employee_id as number))
      .map((a) => a.activity_id as bigint)
      .sort((a, b) => (a < b ? -1 : 1));
  }
}
