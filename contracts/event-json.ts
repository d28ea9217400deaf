// JSON.parse for change events without losing int8 digits: PostgreSQL bigints go past 2^53, where
// JSON.parse rounds them silently. The native parse runs first; only when a row value (in
// `before` or `after`) came out as an integer beyond 2^53 is the text parsed again with integer
// tokens of 16 digits or more turned into strings, so a consumer that knows the field is an int64
// (bronze's column converters) reads it exactly with BigInt(). Envelope fields beyond 2^53
// (ts_ns) are not row values and do not trigger the slow path.

export function parseEventJson(text: string): unknown {
  const fast = JSON.parse(text) as unknown;
  return hasUnsafeRowInteger(fast) ? JSON.parse(quoteLongIntegers(text)) : fast;
}

function hasUnsafeRowInteger(v: unknown): boolean {
  if (!v || typeof v !== 'object') return false;
  const o = v as Record<string, unknown>;
  const env = (o.payload && typeof o.payload === 'object' && 'schema' in o ? o.payload : o) as Record<string, unknown>;
  return unsafeIn(env.after) || unsafeIn(env.before);
}

function unsafeIn(v: unknown): boolean {
  if (typeof v === 'number') return Number.isInteger(v) && !Number.isSafeInteger(v);
  if (!v || typeof v !== 'object') return false;
  if (Array.isArray(v)) return v.some(unsafeIn);
  for (const k in v as Record<string, unknown>) if (unsafeIn((v as Record<string, unknown>)[k])) return true;
  return false;
}

/** Wraps integer number tokens of >= 16 digits in quotes; strings are left untouched. */
export function quoteLongIntegers(text: string): string {
  let out = '';
  let last = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      // skip the string, honouring escapes
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 92 /* \ */) i += 2;
        else if (d === 34) break;
        else i++;
      }
      i++;
      continue;
    }
    if (c === 45 /* - */ || (c >= 48 && c <= 57)) {
      const start = i;
      if (c === 45) i++;
      while (i < n && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) i++;
      const digits = i - start - (c === 45 ? 1 : 0);
      const next = i < n ? text.charCodeAt(i) : 0;
      const isInteger = next !== 46 /* . */ && next !== 101 /* e */ && next !== 69 /* E */;
      if (digits >= 16 && isInteger) {
        out += text.slice(last, start) + '"' + text.slice(start, i) + '"';
        last = i;
      } else {
        // the rest of a number (fraction, exponent) carries no digits run we care about
        while (i < n && /[0-9.eE+-]/.test(text[i]!)) i++;
      }
      continue;
    }
    i++;
  }
  return last === 0 ? text : out + text.slice(last);
}
