// quality_results: one row per rule per validated batch (what Great Expectations calls a
// validation result), the history the report draws pass rates over time from. Partitioned by
// day so old results can be dropped a day at a time.

import { DeltaTable, type ColumnSpec } from '../lake/index.js';
import type { Txn, WriteSummary } from './quarantine-table.js';
import type { RuleResult } from './types.js';

export const RESULTS_PATH = 'quality_results';

export const RESULTS_COLUMNS: ColumnSpec[] = [
  { name: 'table_name', type: 'string', nullable: false },
  { name: 'rule', type: 'string', nullable: false },
  { name: 'expectation', type: 'string', nullable: false },
  { name: 'action', type: 'string', nullable: false },
  { name: 'evaluated', type: 'long', nullable: false },
  { name: 'failed', type: 'long', nullable: false },
  { name: 'fraction', type: 'double', nullable: false },
  { name: 'mostly', type: 'double', nullable: false },
  { name: 'passed', type: 'boolean', nullable: false },
  { name: 'sample_keys', type: { type: 'array', elementType: 'string', containsNull: false }, nullable: false },
  { name: 'batch_time', type: 'timestamp', nullable: false },
  { name: 'batch_date', type: 'date', nullable: false },
];

/** Appends a batch's rule results to quality_results, at most once per txn. */
export async function writeQualityResults(lakeRoot: string, results: RuleResult[], txn?: Txn, at: Date = new Date()): Promise<WriteSummary> {
  if (results.length === 0) return { rows: 0, skipped: false, version: undefined };
  const t = await DeltaTable.openOrCreate(lakeRoot, RESULTS_PATH, { columns: RESULTS_COLUMNS, partitionBy: ['batch_date'], name: 'quality results' });
  const day = at.toISOString().slice(0, 10);
  const rows = results.map((r) => ({
    table_name: r.table,
    rule: r.rule,
    expectation: r.expectation,
    action: r.action,
    evaluated: BigInt(r.evaluated),
    failed: BigInt(r.failed),
    fraction: r.fraction,
    mostly: r.mostly,
    passed: r.passed,
    sample_keys: r.sampleKeys,
    batch_time: at,
    batch_date: day,
  }));
  const res = await t.append(rows, txn ? { txn: [txn] } : {});
  return { rows: res.skipped ? 0 : rows.length, skipped: res.skipped, version: res.version };
}
