// What gold remembers of its own match_crowd output: each match's windows (so that a window that
// disappears is deleted) and its peak window (the KPIs' highest-risk match). Derived from the
// silver state alone, so a restart rebuilds exactly what the table holds.

import type { Row } from '../index.js';
import { matchCrowd, peakWindow } from './match-crowd.js';
import type { GoldRules } from './rules.js';
import type { SilverState } from './silver-state.js';
import { idKey } from './silver-inputs.js';

export class MatchMemory {
  readonly windows = new Map<string, Set<number>>();
  readonly peaks = new Map<string, Row>();

  /** Recomputes one match: its rows now, and the keys of windows it no longer has. */
  recompute(state: SilverState, match: string, rules: GoldRules): { rows: Row[]; gone: Row[] } {
    const m = state.matches.get(match);
    const rows = m ? matchCrowd(m, state.stadiums.get(idKey(m.stadium_id)), state.readings.get(match)?.values() ?? [], rules) : [];
    const now = new Set(rows.map((r) => (r.window_start as Date).getTime()));
    const gone: Row[] = [];
    for (const w of this.windows.get(match) ?? []) if (!now.has(w)) gone.push({ match_id: Number(match), window_start: new Date(w) });
    if (rows.length) {
      this.windows.set(match, now);
      this.peaks.set(match, peakWindow(rows)!);
    } else {
      this.windows.delete(match);
      this.peaks.delete(match);
    }
    return { rows, gone };
  }

  /** Every match's rows (a full recomputation, or rebuilding the memory after a restart). */
  recomputeAll(state: SilverState, rules: GoldRules): Row[] {
    this.windows.clear();
    this.peaks.clear();
    const out: Row[] = [];
    for (const match of state.matches.keys()) for (const r of this.recompute(state, match, rules).rows) out.push(r);
    return out;
  }
}
