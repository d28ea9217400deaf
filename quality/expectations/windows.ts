// Batch-level expectations: row counts per time window (and group) and freshness per group.
// They judge windows, not records, so they warn or fail but never quarantine a record. Both are
// computed from the batch alone (no state kept between batches, so any process can run them):
// a batch may cut its first and last window short, so a minimum is only checked on the windows
// strictly inside the batch's span, empty ones included (a gap in the data is what it catches).

import { keyString } from '../values.js';
import { timeOf } from '../time.js';
import type { Batch, Evaluation } from '../types.js';

// A window span wider than this is only judged on its non-empty windows (history loads span years).
const MAX_WINDOWS_PER_GROUP = 100_000;

/** A record's group: its raw value for one column (a cheap Map key), joined texts for several. */
function groupOf(groupBy: string[] | undefined): (row: Record<string, unknown>) => unknown {
  if (!groupBy?.length) return () => '';
  if (groupBy.length === 1) {
    const c = groupBy[0]!;
    return (row) => {
      const v = row[c] ?? null;
      return typeof v === 'object' && v !== null ? keyString(v) : v;
    };
  }
  return (row) => groupBy.map((c) => keyString(row[c] ?? null)).join('\u0001');
}

/** How a group reads in a message and in sample keys. */
function groupLabel(groupBy: string[] | undefined, g: unknown): string {
  if (!groupBy?.length) return '';
  const parts = groupBy.length === 1 ? [keyString(g)] : String(g).split('\u0001');
  return groupBy.map((c, i) => `${c}=${parts[i]}`).join(',');
}

export function rowCount(o: { column?: string; windowMs?: number; groupBy?: string[]; min?: number; max?: number }): (batch: Batch) => Evaluation {
  const group = groupOf(o.groupBy);
  return (batch) => {
    // group → window index → count
    const counts = new Map<unknown, Map<number, number>>();
    for (const i of batch.selected) {
      let w = 0;
      if (o.column) {
        const t = timeOf(batch.views[i]![o.column]);
        if (t === undefined) continue;
        w = o.windowMs ? Math.floor(t / o.windowMs) : 0;
      }
      const g = group(batch.records[i]!.row);
      let m = counts.get(g);
      if (!m) counts.set(g, (m = new Map()));
      m.set(w, (m.get(w) ?? 0) + 1);
    }
    let evaluated = 0;
    const groups: NonNullable<Evaluation['groups']> = [];
    const label = (group: unknown, w: number) => {
      const g = groupLabel(o.groupBy, group);
      const at = o.column && o.windowMs ? `${new Date(w * o.windowMs).toISOString()} +${o.windowMs / 60_000} min` : 'batch';
      return g ? `${g} @ ${at}` : at;
    };
    for (const [g, m] of counts) {
      const idx = [...m.keys()].sort((a, b) => a - b);
      const first = idx[0]!;
      const last = idx[idx.length - 1]!;
      const span = last - first + 1;
      const windows = o.min !== undefined && o.windowMs && span <= MAX_WINDOWS_PER_GROUP ? Array.from({ length: span }, (_, k) => first + k) : idx;
      for (const w of windows) {
        const n = m.get(w) ?? 0;
        evaluated++;
        if (o.max !== undefined && n > o.max) groups.push({ key: label(g, w), message: `${n} rows in ${label(g, w)}, more than ${o.max}` });
        else if (o.min !== undefined && n < o.min && (!o.windowMs || (w > first && w < last))) groups.push({ key: label(g, w), message: `${n} rows in ${label(g, w)}, fewer than ${o.min}` });
      }
    }
    return { evaluated, failures: [], groups };
  };
}

export function freshness(o: { column: string; maxAgeMs: number; groupBy?: string[] }): (batch: Batch) => Evaluation {
  const group = groupOf(o.groupBy);
  return (batch) => {
    const newest = new Map<unknown, number>();
    for (const i of batch.selected) {
      const t = timeOf(batch.views[i]![o.column]);
      if (t === undefined) continue;
      const g = group(batch.records[i]!.row);
      if (!(t <= (newest.get(g) ?? -Infinity))) newest.set(g, t);
    }
    const groups: NonNullable<Evaluation['groups']> = [];
    for (const [group, t] of newest) {
      const g = groupLabel(o.groupBy, group);
      const age = batch.now - t;
      if (age > o.maxAgeMs) {
        const key = g || 'batch';
        groups.push({ key, message: `newest ${o.column} ${g ? `of ${g} ` : ''}is ${new Date(t).toISOString()}, ${Math.round(age / 60_000)} min old (limit ${Math.round(o.maxAgeMs / 60_000)} min)` });
      }
    }
    return { evaluated: newest.size, failures: [], groups };
  };
}
