// What gold keeps in memory between refreshes: the small silver tables whole (employees,
// stadiums, matches, crowd readings) and, for activities, only counts per employee and month.
// Activities themselves stay in the lake: a changed activity brings its own row, and an employee
// change reads that employee's activities from silver. The state is a cache of silver at known
// versions, rebuilt from silver (or from the versions gold records) whenever a process starts.

import type { Calendar } from './calendar.js';
import { idKey, type Activity, type CrowdReading, type Employee, type Match, type Stadium } from './silver-inputs.js';

export class SilverState {
  readonly employees = new Map<string, Employee>();
  /** Activities per employee (key, whether or not in HR) and local month 'YYYY-MM'. */
  readonly months = new Map<string, Map<string, number>>();
  readonly stadiums = new Map<string, Stadium>();
  readonly matches = new Map<string, Match>();
  /** Readings per match key, by reading key. */
  readonly readings = new Map<string, Map<string, CrowdReading>>();

  constructor(readonly calendar: Calendar) {}

  /** The activity's month, or undefined when it has no employee or start time. */
  monthOf(a: Activity): string | undefined {
    if (a.employee_id === null || a.start_time === null) return undefined;
    return this.calendar.localDate(a.start_time).slice(0, 7);
  }

  /**
   * Adds (+1) or removes (-1) an activity from the counts; returns its employee key if counted.
   * `month` spares the calendar lookup when the caller has it already.
   */
  countActivity(a: Activity, delta: 1 | -1, month = this.monthOf(a)): string | undefined {
    if (month === undefined) return undefined;
    const employee = idKey(a.employee_id);
    let byMonth = this.months.get(employee);
    if (!byMonth) this.months.set(employee, (byMonth = new Map()));
    const n = (byMonth.get(month) ?? 0) + delta;
    if (n > 0) byMonth.set(month, n);
    else byMonth.delete(month);
    if (byMonth.size === 0) this.months.delete(employee);
    return employee;
  }

  putReading(r: CrowdReading, delta: 1 | -1): void {
    const match = idKey(r.match_id);
    let byId = this.readings.get(match);
    if (delta > 0) {
      if (!byId) this.readings.set(match, (byId = new Map()));
      byId.set(idKey(r.reading_id), r);
    } else if (byId) {
      byId.delete(idKey(r.reading_id));
      if (byId.size === 0) this.readings.delete(match);
    }
  }

  /** An employee's activity count in a calendar year. */
  countInYear(employee: string, year: number): number {
    let n = 0;
    const prefix = String(year);
    for (const [m, c] of this.months.get(employee) ?? []) if (m.startsWith(prefix)) n += c;
    return n;
  }

  /** Calendar years holding an activity of an employee in HR (activities_enriched's years), ascending. */
  activityYears(): number[] {
    const years = new Set<number>();
    for (const [employee, byMonth] of this.months) {
      if (!this.employees.has(employee)) continue;
      for (const m of byMonth.keys()) years.add(Number(m.slice(0, 4)));
    }
    return [...years].sort((a, b) => a - b);
  }

  /** Keys of the matches played at a stadium. */
  matchesAt(stadium: string): string[] {
    const out: string[] = [];
    for (const [k, m] of this.matches) if (idKey(m.stadium_id) === stadium) out.push(k);
    return out;
  }
}
