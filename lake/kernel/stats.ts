// Per-file statistics (the add action's `stats`: numRecords, minValues, maxValues, nullCount,
// nested like the schema) and the file skipping they allow. Bounds are written so that they are
// always safe: a truncated string keeps a lower bound only, a timestamp's maximum is rounded up to
// the millisecond the JSON form can hold, and a value JSON cannot carry exactly is left out.

import type { DataType, StructField, StructType } from './schema.js';
import { decimalParts, findField } from './schema.js';
import { compareKeys, microsToIso, sortKey, normalize } from './values.js';

export interface FileStats {
  numRecords: number;
  minValues: Record<string, unknown>;
  maxValues: Record<string, unknown>;
  nullCount: Record<string, unknown>;
}

const STRING_PREFIX = 32;

type Key = number | bigint | string | boolean;
/** A statistics key: what statKey gives for a value (bigint micros for a timestamp, ...). */
export type StatKey = Key;

export class StatsCollector {
  private nulls = 0;
  private min: Key | undefined;
  private max: Key | undefined;
  private unordered = false;
  private readonly children: StatsCollector[] | undefined;
  private readonly ordered: boolean;

  constructor(readonly field: StructField) {
    const t = field.type;
    this.children = typeof t !== 'string' && t.type === 'struct' ? t.fields.map((f) => new StatsCollector(f)) : undefined;
    this.ordered = typeof t === 'string' && t !== 'boolean' && t !== 'binary';
  }

  add(v: unknown): void {
    if (v === null || v === undefined) {
      this.nulls++;
      if (this.children) for (const c of this.children) c.add(null);
      return;
    }
    if (this.children) {
      const o = v as Record<string, unknown>;
      for (const c of this.children) c.add(o[c.field.name] ?? null);
      return;
    }
    if (!this.ordered || this.unordered) return;
    let k: Key | undefined;
    try {
      k = statKey(v, this.field.type);
    } catch {
      k = undefined;
    }
    if (k === undefined || (typeof k === 'number' && !Number.isFinite(k))) {
      this.unordered = true; // NaN and infinities have no JSON form: no bounds for this file
      return;
    }
    if (this.min === undefined || compareKeys(k, this.min) < 0) this.min = k;
    if (this.max === undefined || compareKeys(k, this.max) > 0) this.max = k;
  }

  /** Nulls counted by a caller (the writer's typed columns). */
  addNulls(count: number): void {
    this.nulls += count;
  }

  /** Bounds of values whose keys the caller computed: the keys add() would have taken. */
  addBounds(min: Key, max: Key): void {
    if (!this.ordered || this.unordered) return;
    if (this.min === undefined || compareKeys(min, this.min) < 0) this.min = min;
    if (this.max === undefined || compareKeys(max, this.max) > 0) this.max = max;
  }

  /** A value with no JSON form (NaN, an infinity) was written: the file gets no bounds. */
  markUnordered(): void {
    this.unordered = true;
  }

  static fileStats(numRecords: number, collectors: StatsCollector[]): FileStats {
    const s: FileStats = { numRecords, minValues: {}, maxValues: {}, nullCount: {} };
    for (const c of collectors) c.into(s.minValues, s.maxValues, s.nullCount);
    return s;
  }

  private into(min: Record<string, unknown>, max: Record<string, unknown>, nulls: Record<string, unknown>): void {
    const name = this.field.name;
    if (this.children) {
      const cmin: Record<string, unknown> = {};
      const cmax: Record<string, unknown> = {};
      const cnull: Record<string, unknown> = {};
      for (const c of this.children) c.into(cmin, cmax, cnull);
      if (Object.keys(cmin).length) min[name] = cmin;
      if (Object.keys(cmax).length) max[name] = cmax;
      nulls[name] = cnull;
      return;
    }
    nulls[name] = this.nulls;
    if (this.unordered || this.min === undefined || this.max === undefined) return;
    const lo = jsonBound(this.min, this.field.type, 'min');
    const hi = jsonBound(this.max, this.field.type, 'max');
    if (lo !== undefined) min[name] = lo;
    if (hi !== undefined) max[name] = hi;
  }
}

function statKey(v: unknown, type: DataType): Key | undefined {
  if (type === 'date') return normalize(v, type, 'stats') as string;
  return sortKey(v, type);
}

function jsonBound(k: Key, type: DataType, side: 'min' | 'max'): unknown {
  if (typeof type !== 'string') return undefined;
  switch (type) {
    case 'string': {
      const s = k as string;
      if (s.length <= STRING_PREFIX) return s;
      // a prefix is a valid lower bound but not an upper one
      return side === 'min' ? s.slice(0, s.charCodeAt(STRING_PREFIX - 1) >= 0xd800 && s.charCodeAt(STRING_PREFIX - 1) < 0xdc00 ? STRING_PREFIX - 1 : STRING_PREFIX) : undefined;
    }
    case 'date':
      return k;
    case 'long': {
      const n = Number(k);
      return Number.isSafeInteger(n) ? n : undefined;
    }
    case 'timestamp':
    case 'timestamp_ntz': {
      const micros = k as bigint;
      let ms = micros / 1000n - (micros % 1000n < 0n ? 1n : 0n);
      if (side === 'max' && micros % 1000n !== 0n) ms += 1n;
      const iso = microsToIso(ms * 1000n);
      return type === 'timestamp_ntz' ? iso.replace('Z', '') : iso;
    }
  }
  const d = decimalParts(type);
  if (d) {
    const unscaled = k as bigint;
    const n = Number(unscaled) / 10 ** d.scale;
    // only a bound JSON can carry exactly: 17 significant digits at most
    if (Math.abs(Number(unscaled)) > Number.MAX_SAFE_INTEGER) return undefined;
    return n;
  }
  return typeof k === 'number' ? k : undefined;
}

/** Parsed `stats` of an add action, or undefined when absent or unreadable. */
export function parseStats(stats: string | null | undefined): FileStats | undefined {
  if (!stats) return undefined;
  try {
    const s = JSON.parse(stats) as Partial<FileStats>;
    return { numRecords: Number(s.numRecords ?? NaN), minValues: s.minValues ?? {}, maxValues: s.maxValues ?? {}, nullCount: s.nullCount ?? {} };
  } catch {
    return undefined;
  }
}

export type FilterOp = '=' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'not in' | 'is null' | 'is not null';

/** One condition on a top-level column; a scan's filters are ANDed. */
export interface Filter {
  column: string;
  op: FilterOp;
  value?: unknown;
}

/** Whether a row's value satisfies a filter (the exact check after skipping). */
export function matches(value: unknown, f: Filter, type: DataType): boolean {
  if (f.op === 'is null') return value === null || value === undefined;
  if (f.op === 'is not null') return value !== null && value !== undefined;
  if (value === null || value === undefined) return false;
  if (f.op === 'in' || f.op === 'not in') {
    const list = (Array.isArray(f.value) ? f.value : [f.value]) as unknown[];
    const hit = list.some((x) => x !== null && x !== undefined && cmp(value, x, type) === 0);
    return f.op === 'in' ? hit : !hit;
  }
  if (f.value === null || f.value === undefined) return false;
  const c = cmp(value, f.value, type);
  switch (f.op) {
    case '=': return c === 0;
    case '!=': return c !== 0;
    case '<': return c < 0;
    case '<=': return c <= 0;
    case '>': return c > 0;
    case '>=': return c >= 0;
  }
}

function cmp(a: unknown, b: unknown, type: DataType): number {
  const x = statKey(a, type);
  const y = statKey(b, type);
  if (x === undefined || y === undefined) return String(a) === String(b) ? 0 : 1;
  return compareKeys(x, y);
}

/**
 * Whether a file may hold rows matching every filter, from its statistics. True when unsure:
 * skipping is an optimisation, never a filter.
 */
export function mayMatch(stats: FileStats | undefined, filters: Filter[], schema: StructType): boolean {
  if (!stats) return true;
  if (stats.numRecords === 0) return false;
  for (const f of filters) {
    const field = findField(schema, f.column);
    if (!field || typeof field.type !== 'string') continue;
    const name = field.name;
    const nulls = stats.nullCount[name];
    const allNull = typeof nulls === 'number' && nulls === stats.numRecords;
    if (f.op === 'is null') {
      if (nulls === 0) return false;
      continue;
    }
    if (allNull) return false;
    if (f.op === 'is not null') continue;
    const lo = statBound(stats.minValues[name], field.type, 'min');
    const hi = statBound(stats.maxValues[name], field.type, 'max');
    const vals = (f.op === 'in' ? (Array.isArray(f.value) ? f.value : [f.value]) : [f.value]) as unknown[];
    if (f.op === '!=' || f.op === 'not in') continue;
    const keys = vals.map((v) => safeKey(v, field.type)).filter((k): k is Key => k !== undefined);
    if (keys.length !== vals.length) continue;
    const possible = keys.some((k) => {
      switch (f.op) {
        case '=':
        case 'in':
          return (lo === undefined || compareKeys(k, lo) >= 0) && (hi === undefined || compareKeys(k, hi) <= 0);
        case '<': return lo === undefined || compareKeys(lo, k) < 0;
        case '<=': return lo === undefined || compareKeys(lo, k) <= 0;
        case '>': return hi === undefined || compareKeys(hi, k) > 0;
        case '>=': return hi === undefined || compareKeys(hi, k) >= 0;
        default: return true;
      }
    });
    if (!possible) return false;
  }
  return true;
}

function safeKey(v: unknown, type: DataType): Key | undefined {
  try {
    return statKey(v, type);
  } catch {
    return undefined;
  }
}

/** A bound from the JSON stats as a sort key, widened where writers truncate. */
function statBound(v: unknown, type: DataType, side: 'min' | 'max'): Key | undefined {
  if (v === null || v === undefined || typeof v === 'object') return undefined;
  const k = safeKey(v, type);
  if (k === undefined) return undefined;
  // Spark truncates timestamp bounds to milliseconds: widen the maximum by one
  if ((type === 'timestamp' || type === 'timestamp_ntz') && side === 'max') return (k as bigint) + 999n;
  // a long string maximum may be a truncated prefix from another writer
  if (type === 'string' && side === 'max' && (v as string).length >= STRING_PREFIX) return undefined;
  return k;
}

