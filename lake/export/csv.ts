// The one CSV cell rule of the product, for `lakehouse export` and `lakehouse table scan --format
// csv` alike (RFC 4180: ',' between fields, '"' around a field that needs it, '""' inside):
//
// - text that a spreadsheet would run as a formula is neutralised as OWASP's CSV injection page
//   says: a cell of a text column that starts with =, +, -, @, a tab or a carriage return gets a
//   leading single quote and is quoted ('=HYPERLINK(...)' is written "'=HYPERLINK(...)"). Only
//   the CSV is changed: Parquet files and PostgreSQL's analytics.* keep the raw text, which no
//   tool runs, so a report built on them shows what the employee typed;
// - numbers are written with '.' and no digit grouping, and a decimal part never has exactly
//   three digits (10.800 is written 10.8000, 0.742 as 0.7420): in a locale where '.' groups
//   digits (de-DE, it-IT, es-ES…) a spreadsheet would read 10.800 as ten thousand eight hundred
//   without a word, while 10.8000 cannot be a grouped number and shows up as text to fix.
//   Import with the en-US culture (docs/powerbi.md) and every figure is read exactly.

import type { DataType } from '../kernel/schema.js';

/** What a spreadsheet runs as a formula when a cell starts with it (OWASP). */
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\n\r]|^\s|\s$/;

export const CSV_FORMULA_PREFIX = "'";

function isNumberType(t: DataType): boolean {
  return typeof t === 'string' && (t === 'double' || t === 'float' || t.startsWith('decimal('));
}

function isTextType(t: DataType): boolean {
  return t === 'string';
}

/** A number's text with a decimal part of 1, 2 or 4+ digits (never 3). */
export function unambiguousNumber(text: string): string {
  return /\.\d{3}$/.test(text) ? `${text}0` : text;
}

/** One CSV field from a value's text (null: an empty field; '' stays a quoted empty text). */
export function csvCell(text: string | null, type: DataType): string {
  if (text === null) return '';
  let s = text;
  if (isNumberType(type)) s = unambiguousNumber(s);
  else if (isTextType(type) && FORMULA_START.test(s)) s = CSV_FORMULA_PREFIX + s;
  if (s === '' || NEEDS_QUOTES.test(s) || s.startsWith(CSV_FORMULA_PREFIX)) return `"${s.replace(/"/g, '""')}"`;
  return s;
}

/** The header line: column names are never data, but are quoted like any text. */
export function csvHeader(names: string[]): string {
  return names.map((n) => csvCell(n, 'string')).join(',');
}

/** The text of a value as the lake reads it (for `table scan`): ISO timestamps, exact decimals, doubles without exponent. */
export function valueText(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (typeof v === 'number') return plainNumber(v);
  if (typeof v === 'bigint' || typeof v === 'boolean' || typeof v === 'string') return String(v);
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? String(x) : x));
}

/** A double without exponent notation (1e-7 → 0.0000001), as the export writes it. */
export function plainNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const s = String(n);
  if (!/e/i.test(s)) return s;
  return n.toFixed(20).replace(/\.?0+$/, '');
}

/** A CSV line of a row, its fields in `fields` order. */
export function csvLine(row: Record<string, unknown>, fields: Array<{ name: string; type: DataType }>): string {
  return fields.map((f) => csvCell(valueText(row[f.name]), f.type)).join(',');
}
