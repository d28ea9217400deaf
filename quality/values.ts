// The lake's JavaScript values (lake/kernel/values.ts: bigint, Date, exact decimal strings,
// Uint8Array) in the forms the gate needs: a JSON-friendly view that JSON Schemas read naturally,
// a lossless JSON text for the quarantine's copy of a record, and the canonical text of a value
// that lookups into silver compare by.

/** Turns a row into what its JSON Schema validates. */
export type ViewBuilder = (row: Record<string, unknown>) => Record<string, unknown>;

const DECIMAL_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

const plain = (v: unknown): unknown =>
  v === null || v === undefined || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : jsonValue(v);
// a decimal column's exact text becomes a number only where the schema expects one, so text
// where a number belongs (whatever produced it) still fails the schema
const numeric = (v: unknown): unknown => (typeof v === 'string' ? (DECIMAL_TEXT.test(v) ? Number(v) : v) : plain(v));
// validated as a Date by the lake-timestamps keyword
const date = (v: unknown): unknown => (v instanceof Date ? v : plain(v));

export interface ViewSpec {
  /** The schema's properties, in order. */
  columns: string[];
  numeric: ReadonlySet<string>;
  dates: ReadonlySet<string>;
  /** The schema looks at no column it does not declare: the view may leave the others out. */
  declaredOnly: boolean;
}

export function viewBuilder(spec: ViewSpec): ViewBuilder {
  const convert = (c: string) => (spec.dates.has(c) ? date : spec.numeric.has(c) ? numeric : plain);
  if (spec.declaredOnly) {
    // One object literal per row: a fixed shape V8 builds far faster than a copy loop. Keys come
    // from the rule file and are embedded with JSON.stringify, so they cannot break the source.
    const body = spec.columns.map((c, i) => `${JSON.stringify(c)}: f${i}(row[${JSON.stringify(c)}])`).join(', ');
    const make = new Function(...spec.columns.map((_, i) => `f${i}`), `return function view(row) { return { ${body} }; };`) as (...f: unknown[]) => ViewBuilder;
    return make(...spec.columns.map(convert));
  }
  const byColumn = new Map(spec.columns.map((c) => [c, convert(c)]));
  return (row) => {
    const out: Record<string, unknown> = {};
    for (const k in row) out[k] = (byColumn.get(k) ?? plain)(row[k]);
    return out;
  };
}

/** A lake value as JSON: bigint as a number when exact (else its digits), Date as ISO-8601, binary as base64. */
export function jsonValue(v: unknown): unknown {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : String(v);
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (Array.isArray(v)) return v.map(jsonValue);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = jsonValue(x);
    return out;
  }
  return v === undefined ? null : v;
}

/** A row or key as JSON text, decimals kept as their exact strings (nothing rounded). */
export function lakeJson(v: unknown): string {
  return JSON.stringify(jsonValue(v));
}

/**
 * The canonical text of a key value, the same for every type that can hold it: 42, 42n and
 * '42' are all "42"; a Date is its ISO-8601 form; binary is base64. Lookups into silver
 * (GateContext.lookup) answer with these strings.
 */
export function keyString(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  return JSON.stringify(jsonValue(v));
}

/** A record's primary key as one string: the value's keyString for one column, a JSON array for several. */
export function recordKeyString(key: Record<string, unknown>): string {
  const values = Object.values(key);
  return values.length === 1 ? keyString(values[0]) : JSON.stringify(values.map(keyString));
}
