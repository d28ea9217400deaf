// The company's calendar: an activity's local date in the configured time zone. Wellness days are
// earned per calendar year and the report counts "this month", so an activity at 23:30 UTC on
// 31 December belongs to the next year in Paris. Intl is slow (microseconds per call) and a full
// recomputation converts a million timestamps, so the zone's offset is cached per quarter hour
// (zone transitions fall on quarter hours) and the date text per day.

import { UserError } from '../../common/errors.js';

const QUARTER_MS = 15 * 60_000;
const DAY_MS = 86_400_000;

export class Calendar {
  private readonly format: Intl.DateTimeFormat;
  private readonly offsets = new Map<number, number>();
  private readonly days = new Map<number, string>();

  constructor(readonly timeZone: string) {
    try {
      this.format = new Intl.DateTimeFormat('en-CA', {
        timeZone,
        year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
        hourCycle: 'h23',
      });
    } catch {
      throw new UserError(`unknown time zone ${JSON.stringify(timeZone)}`, { fix: 'set gold.timeZone (GOLD_TIME_ZONE) to an IANA name such as Europe/Paris or UTC' });
    }
  }

  /** The local calendar date 'YYYY-MM-DD' of an instant. */
  localDate(instant: Date): string {
    const ms = instant.getTime();
    const day = Math.floor((ms + this.offsetAt(ms)) / DAY_MS);
    let text = this.days.get(day);
    if (text === undefined) this.days.set(day, (text = new Date(day * DAY_MS).toISOString().slice(0, 10)));
    return text;
  }

  private offsetAt(ms: number): number {
    const bucket = Math.floor(ms / QUARTER_MS);
    let offset = this.offsets.get(bucket);
    if (offset === undefined) {
      const at = bucket * QUARTER_MS;
      const p: Record<string, number> = {};
      for (const part of this.format.formatToParts(new Date(at))) if (part.type !== 'literal') p[part.type] = Number(part.value);
      offset = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!) - at;
      this.offsets.set(bucket, offset);
    }
    return offset;
  }
}
