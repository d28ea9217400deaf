// Expectations judged one record at a time, on the record's JSON view. Each test answers
// undefined (not evaluated: the value is null or not of the column's kind, which is the schema's
// business), null (passed) or the failure's message.

import type { Batch, ColumnKind, Evaluation } from '../types.js';
import { resolveBound, timeOf, type TimeBound } from '../time.js';

export type RecordTest = (view: Record<string, unknown>, now: number) => string | null | undefined;

export function show(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** Runs a record test over the batch's selected records. */
export function perRecord(test: RecordTest): (batch: Batch) => Evaluation {
  return (batch) => {
    const failures: Evaluation['failures'] = [];
    let evaluated = 0;
    const { views, selected, now } = batch;
    for (let j = 0; j < selected.length; j++) {
      const i = selected[j]!;
      const r = test(views[i]!, now);
      if (r === undefined) continue;
      evaluated++;
      if (r !== null) failures.push({ index: i, message: r });
    }
    return { evaluated, failures };
  };
}

export function notNull(column: string): RecordTest {
  return (v) => (v[column] === null || v[column] === undefined ? `${column} is null` : null);
}

/** A comparable form of a view value for a column kind; undefined when it has none. */
export function comparable(kind: ColumnKind): (v: unknown) => number | string | undefined {
  switch (kind) {
    case 'number':
      return (v) => (typeof v === 'number' && !Number.isNaN(v) ? v : undefined);
    case 'date':
    case 'timestamp':
      return timeOf;
    case 'string':
      return (v) => (typeof v === 'string' ? v : undefined);
    default:
      return () => undefined;
  }
}

export type Bound = { value: number | string } | { time: TimeBound };

export function between(column: string, kind: ColumnKind, min: Bound | undefined, max: Bound | undefined, strictMin: boolean, strictMax: boolean): RecordTest {
  const value = comparable(kind);
  const at = (b: Bound, now: number) => ('time' in b ? resolveBound(b.time, now) : b.value);
  const shown = (b: Bound, now: number) => ('time' in b ? new Date(resolveBound(b.time, now)).toISOString() : show(b.value));
  return (v, now) => {
    const x = value(v[column]);
    if (x === undefined) return undefined;
    if (min) {
      const lo = at(min, now);
      if (strictMin ? !(x > lo) : !(x >= lo)) return `${column} = ${show(v[column])} is ${strictMin ? 'not above' : 'below'} ${shown(min, now)}`;
    }
    if (max) {
      const hi = at(max, now);
      if (strictMax ? !(x < hi) : !(x <= hi)) return `${column} = ${show(v[column])} is ${strictMax ? 'not below' : 'above'} ${shown(max, now)}`;
    }
    return null;
  };
}

export function inSet(column: string, values: ReadonlyArray<string | number | boolean>): RecordTest {
  const set = new Set<unknown>(values);
  const listed = values.length > 8 ? `${values.slice(0, 8).map(show).join(', ')}, ...` : values.map(show).join(', ');
  return (v) => {
    const x = v[column];
    if (x === null || x === undefined) return undefined;
    return set.has(x) ? null : `${column} = ${show(x)} is not one of ${listed}`;
  };
}

export function matchesRegex(column: string, re: RegExp): RecordTest {
  return (v) => {
    const x = v[column];
    if (typeof x !== 'string') return undefined;
    return re.test(x) ? null : `${column} = ${show(x)} does not match /${re.source}/${re.flags}`;
  };
}

const COMPARE: Record<string, (a: number | string, b: number | string) => boolean> = {
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
  '==': (a, b) => a === b,
  '!=': (a, b) => a !== b,
};

export function columnPair(left: string, op: string, right: string, kind: ColumnKind): RecordTest {
  const value = comparable(kind);
  const holds = COMPARE[op]!;
  return (v) => {
    const a = value(v[left]);
    const b = value(v[right]);
    if (a === undefined || b === undefined) return undefined;
    return holds(a, b) ? null : `${left} = ${show(v[left])} is not ${op} ${right} = ${show(v[right])}`;
  };
}

/** A value set for a condition's column: true when the view matches. */
export function conditionTest(cond: { column: string; in?: unknown[]; notIn?: unknown[] }): (view: Record<string, unknown>) => boolean {
  const yes = cond.in ? new Set(cond.in) : undefined;
  const no = cond.notIn ? new Set(cond.notIn) : undefined;
  return (view) => {
    const x = view[cond.column];
    if (yes && !yes.has(x)) return false;
    if (no && no.has(x)) return false;
    return true;
  };
}

export function presentOnlyIf(column: string, cond: { column: string; in?: unknown[]; notIn?: unknown[] }): RecordTest {
  const allowed = conditionTest(cond);
  return (v) => {
    const x = v[column];
    if (x === null || x === undefined) return null;
    return allowed(v) ? null : `${column} = ${show(x)} is set but ${cond.column} = ${show(v[cond.column])} has none`;
  };
}
