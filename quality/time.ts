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

const digits = (s: string, from: number, n: number): number => {
  let v = 0;
  for (let i = from; i < from + n; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return NaN;
    v = v * 10 + c;
  }
  return v;
};

/**
 * Epoch ms of a view value of a date or date-time column (a Date, 'YYYY-MM-DD' or ISO-8601 text),
 * or undefined when it is not one. The lake's canonical forms are read by hand: Date.parse is
 * several times slower and this runs for every record of every time rule.
 */
export function timeOf(v: unknown): number | undefined {
  if (v instanceof Date) {
    const t = v.getTime();
    return Number.isNaN(t) ? undefined : t;
  }
  if (typeof v !== 'string') return undefined;
  let ms = NaN;
  if (v.length === 10 && v[4] === '-' && v[7] === '-') ms = Date.UTC(digits(v, 0, 4), digits(v, 5, 2) - 1, digits(v, 8, 2));
  else if (v.length === 24 && v[10] === 'T' && v[19] === '.' && v[23] === 'Z') {
    ms = Date.UTC(digits(v, 0, 4), digits(v, 5, 2) - 1, digits(v, 8, 2), digits(v, 11, 2), digits(v, 14, 2), digits(v, 17, 2), digits(v, 20, 3));
  }
  if (Number.isNaN(ms)) ms = Date.parse(v.length === 10 ? `${v}T00:00:00Z` : v);
  return Number.isNaN(ms) ? undefined : ms;
}
