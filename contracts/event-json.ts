// JSON.parse for change events without losing int8 digits: PostgreSQL bigints (and Debezium's
// ts_ns) go past 2^53, where JSON.parse would round them silently. Integer tokens of 16 digits or
// more are turned into strings before parsing, so a consumer that knows the field is an int64
// (bronze's column converters) reads it exactly with BigInt(). Everything else parses as usual.

const LONG_INT = /\d{16}/;

export function parseEventJson(text: string): unknown {
  if (!LONG_INT.test(text)) return JSON.parse(text);
  return JSON.parse(quoteLongIntegers(text));
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
