// What a run of bronze changes does to a current-state table, worked out before anything is
// written: the last change per key wins, a truncate wipes everything before it, and a column whose
// unchanged TOASTed value was not sent keeps the value the key had (from an earlier change in the
// run, or else from the silver row, which the merge fills in). Pure, so it is tested on its own.

import { keyString, type Row } from '../kernel/values.js';

/** Source changes in the order they happened (bronze rows sorted by _position). */
export interface PlanInput {
  rows: Row[];
  keyColumns: string[];
  sourceColumns: string[];
}

export interface Plan {
  /** A truncate happened: the table is replaced by `upserts` alone. */
  truncate: boolean;
  /** key → the row the key ends up with (silver shape: source columns + silver metadata). */
  upserts: Map<string, Row>;
  /** Keys that end up deleted. */
  deletes: Map<string, Row>;
  /** key → columns still missing their value (TOASTed and not seen in this run). */
  toasted: Map<string, string[]>;
  counts: { inserts: number; updates: number; deletes: number; truncates: number };
}

export function keyOf(row: Row, keyColumns: string[]): string {
  return keyColumns.length === 1 ? keyString(row[keyColumns[0]!]) : keyColumns.map((k) => keyString(row[k])).join('\u0001');
}

/** Compares change positions; rows without one keep their order. */
export function byPosition(a: Row, b: Row): number {
  const pa = a._position as string | null;
  const pb = b._position as string | null;
  if (pa === pb || pa == null || pb == null) return 0;
  return pa < pb ? -1 : 1;
}

export function planChanges(input: PlanInput, updatedAt: Date): Plan {
  const plan: Plan = { truncate: false, upserts: new Map(), deletes: new Map(), toasted: new Map(), counts: { inserts: 0, updates: 0, deletes: 0, truncates: 0 } };
  for (const change of input.rows) {
    const op = change._op as string;
    if (op === 't') {
      plan.truncate = true;
      plan.upserts.clear();
      plan.deletes.clear();
      plan.toasted.clear();
      plan.counts.truncates++;
      continue;
    }
    const key = keyOf(change, input.keyColumns);
    if (op === 'd') {
      plan.upserts.delete(key);
      plan.toasted.delete(key);
      plan.deletes.set(key, change);
      plan.counts.deletes++;
      continue;
    }
    const row: Row = {};
    for (const c of input.sourceColumns) row[c] = change[c] ?? null;
    row._op = op;
    row._lsn = change._lsn ?? null;
    row._position = change._position ?? null;
    row._source_ts = change._source_ts ?? null;
    row._updated_at = updatedAt;
    const missing = (change._toasted as string[] | null) ?? [];
    if (missing.length) {
      const before = plan.upserts.get(key);
      const stillMissing: string[] = [];
      for (const c of missing) {
        if (before) row[c] = before[c] ?? null;
        else if (!plan.truncate && !plan.deletes.has(key)) stillMissing.push(c);
      }
      const earlier = plan.toasted.get(key);
      // an earlier change in the run that also lacked a column leaves it missing still
      if (before && earlier) for (const c of earlier) if (missing.includes(c)) stillMissing.push(c);
      if (stillMissing.length) plan.toasted.set(key, stillMissing);
      else plan.toasted.delete(key);
    } else {
      plan.toasted.delete(key);
    }
    if (op === 'u') plan.counts.updates++;
    else plan.counts.inserts++;
    plan.deletes.delete(key);
    plan.upserts.set(key, row);
  }
  return plan;
}
