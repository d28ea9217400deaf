// The latest quality results: per table and rule, the records evaluated and failed over the last
// days of quality_results (only those day partitions are read) and whether its latest batch passed.

import { UserError } from '../common/errors.js';
import { DeltaTable } from '../lake/index.js';
import { RESULTS_PATH } from '../quality/results-table.js';

export interface RuleState {
  table: string;
  rule: string;
  action: string;
  evaluated: number;
  failed: number;
  /** failed / evaluated over the window (0 when nothing was evaluated). */
  failureRate: number;
  lastPassed: boolean;
  lastBatch: Date;
}

export async function qualityState(lakeRoot: string, days: number, now = new Date()): Promise<RuleState[]> {
  let table: DeltaTable;
  try {
    table = await DeltaTable.open(lakeRoot, RESULTS_PATH);
  } catch (e) {
    if (e instanceof UserError && /no Delta table/.test(e.message)) return [];
    throw e;
  }
  const since = new Date(now.getTime() - days * 86_400_000).toISOString().slice(0, 10);
  const byRule = new Map<string, RuleState>();
  const filters = [{ column: 'batch_date', op: '>=' as const, value: since }];
  for await (const batch of table.scan({ filters, columns: ['table_name', 'rule', 'action', 'evaluated', 'failed', 'passed', 'batch_time'] })) {
    for (const r of batch) {
      const key = `${String(r.table_name)}\u0000${String(r.rule)}`;
      const at = r.batch_time as Date;
      const s = byRule.get(key) ?? { table: String(r.table_name), rule: String(r.rule), action: String(r.action), evaluated: 0, failed: 0, failureRate: 0, lastPassed: true, lastBatch: new Date(0) };
      s.evaluated += Number(r.evaluated);
      s.failed += Number(r.failed);
      if (at.getTime() >= s.lastBatch.getTime()) {
        s.lastBatch = at;
        s.lastPassed = r.passed === true;
        s.action = String(r.action);
      }
      byRule.set(key, s);
    }
  }
  const out = [...byRule.values()];
  for (const s of out) s.failureRate = s.evaluated ? s.failed / s.evaluated : 0;
  return out.sort((a, b) => a.table.localeCompare(b.table) || a.rule.localeCompare(b.rule));
}
