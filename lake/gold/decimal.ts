// Exact decimal arithmetic for gold's figures. Silver holds decimals as exact strings
// ('41250.00'); money and distances are computed on scaled integers so that a bonus is the same
// cent however many times it is recomputed, and a full recomputation equals the incremental one.

import { UserError } from '../../common/errors.js';

/** A decimal as an integer and a scale: 12.30 is { unscaled: 1230n, scale: 2 }. */
export interface Decimal {
  unscaled: bigint;
  scale: number;
}

const DECIMAL_TEXT = /^([+-])?(\d+)(?:\.(\d+))?$/;

/** Parses '12.30', '-5', '0.075'; undefined for anything else (no exponents, no commas). */
export function parseDecimal(text: string): Decimal | undefined {
  const m = DECIMAL_TEXT.exec(text.trim());
  if (!m) return undefined;
  const frac = m[3] ?? '';
  const unscaled = BigInt(m[2]! + frac) * (m[1] === '-' ? -1n : 1n);
  return { unscaled, scale: frac.length };
}

/** The decimal at `scale` digits (more digits are rounded half away from zero). */
export function rescale(d: Decimal, scale: number): bigint {
  if (scale >= d.scale) return d.unscaled * 10n ** BigInt(scale - d.scale);
  return divRound(d.unscaled, 10n ** BigInt(d.scale - scale));
}

/** n / d rounded half away from zero (d > 0). */
export function divRound(n: bigint, d: bigint): bigint {
  const q = n / d;
  const r = n % d;
  if (r === 0n) return q;
  const twice = (r < 0n ? -r : r) * 2n;
  if (twice >= d) return n < 0n ? q - 1n : q + 1n;
  return q;
}

/** n / d rounded half up, for safe non-negative integers (exact: no float rounding involved). */
export function divRoundSafe(n: number, d: number): number {
  const q = Math.floor(n / d);
  const r = n - q * d;
  return r * 2 >= d ? q + 1 : q;
}

/** The text of an unscaled integer at a scale: (123456n, 2) is '1234.56'. */
export function formatScaled(unscaled: bigint, scale: number): string {
  const neg = unscaled < 0n;
  const digits = String(neg ? -unscaled : unscaled).padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return neg ? `-${text}` : text;
}

/** Compares two decimals exactly. */
export function compareDecimal(a: Decimal, b: Decimal): number {
  const scale = Math.max(a.scale, b.scale);
  const x = rescale(a, scale);
  const y = rescale(b, scale);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** a - b, exactly, at the larger scale. */
export function subtract(a: Decimal, b: Decimal): Decimal {
  const scale = Math.max(a.scale, b.scale);
  return { unscaled: rescale(a, scale) - rescale(b, scale), scale };
}

/** A configuration value that must be a decimal number, with a clear error naming the option. */
export function decimalOption(key: string, text: string, range?: { min?: number; max?: number }): Decimal {
  const d = parseDecimal(text);
  const n = d ? Number(text) : NaN;
  if (!d || (range?.min !== undefined && n < range.min) || (range?.max !== undefined && n > range.max)) {
    const bounds = range ? ` from ${range.min ?? '-inf'} to ${range.max ?? 'inf'}` : '';
    throw new UserError(`configuration option ${key} is ${JSON.stringify(text)}; expected a decimal number${bounds}`, {
      fix: `set ${key} to a number such as 5 or 0.25 (a dot for decimals)`,
    });
  }
  return d;
}
