// Durations ("15m", "1d") and time bounds ("now-400d", "2025-01-01T00:00:00Z") as rule files write
// them. Bounds relative to now are resolved once per batch against GateContext.now(), so a batch
// is judged against one instant and tests can fix the clock.

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

export const DURATION_PATTERN = '^[0-9]+(ms|s|m|h|d|w)$';
const DURATION = new RegExp(DURATION_PATTERN);
const RELATIVE = /^now(?:([+-])([0-9]+(?:ms|s|m|h|d|w)))?$/;

/** Milliseconds of "90s", "15m", "1d"...; undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  if (!DURATION.test(text)) return undefined;
  const unit = /[a-z]+$/.exec(text)![0];
  return Number(text.slice(0, -unit.length)) * UNIT_MS[unit]!;
}

/** A time bound: fixed (epoch ms) or an offset from now. */
export type TimeBound = { fixed: number } | { offset: number };

export function parseTimeBound(text: string): TimeBound | undefined {
  const rel = RELATIVE.exec(text);
  if (rel) return { offset: rel[1] ? (rel[1] === '-' ? -1 : 1) * parseDuration(rel[2]!)! : 0 };
  if (!/^\d{4}-\d{2}-\d{2}/.test(text)) return undefined;
  const ms = Date.parse(text.length === 10 ? `${text}T00:00:00Z` : text);
  return Number.isNaN(ms) ? undefined : { fixed: ms };
}

export function resolveBound(b: TimeBound, now: number): number {
  return 'fixed' in b ? b.fixed : now + b.offset;
}

/** Epoch ms of a view value of a date or date-time column, or undefined when it is not one. */
export function timeOf(v: unknown): number | undefined {
  if (typeof v !== 'string') return undefined;
  const ms = Date.parse(v.length === 10 ? `${v}T00:00:00Z` : v);
  return Number.isNaN(ms) ? undefined : ms;
}
