// What the report shows, read from the lake: every row of quality_results, and the newest
// quarantined records of each quarantine/<schema>/<table>.

import { DeltaTable } from '../../lake/index.js';
import { tablesInLayer } from '../../lake/layers.js';
import { quarantinePath } from '../quarantine-table.js';
import { RESULTS_PATH } from '../results-table.js';

export interface ResultRow {
  table: string;
  rule: string;
  expectation: string;
  action: string;
  evaluated: number;
  failed: number;
  mostly: number;
  passed: boolean;
  sampleKeys: string[];
  batchTime: Date;
}

export interface QuarantineRow {
  table: string;
  key: string;
  position: string;
  op: string;
  rule: string;
  message: string;
  record: string;
  quarantinedAt: Date;
}

export interface ReportData {
  results: ResultRow[];
  /** Newest first, per table. */
  quarantine: Map<string, { total: number; latest: QuarantineRow[] }>;
}

/** Results of the last `days` days (whole day partitions, so older files are never read), and the newest quarantined records. */
export async function readReportData(lakeRoot: string, latestPerTable: number, days: number, now = new Date()): Promise<ReportData> {
  const results: ResultRow[] = [];
  const rt = await DeltaTable.openIfExists(lakeRoot, RESULTS_PATH);
  if (rt) {
    const since = new Date(now.getTime() - days * 86_400_000).toISOString().slice(0, 10);
    for await (const batch of rt.scan({ filters: [{ column: 'batch_date', op: '>=', value: since }], columns: ['table_name', 'rule', 'expectation', 'action', 'evaluated', 'failed', 'mostly', 'passed', 'sample_keys', 'batch_time'] })) {
      for (const r of batch) {
        results.push({
          table: String(r.table_name), rule: String(r.rule), expectation: String(r.expectation), action: String(r.action),
          evaluated: Number(r.evaluated), failed: Number(r.failed), mostly: Number(r.mostly), passed: r.passed === true,
          sampleKeys: (r.sample_keys as string[] | null) ?? [], batchTime: r.batch_time as Date,
        });
      }
    }
  }
  const quarantine = new Map<string, { total: number; latest: QuarantineRow[] }>();
  for (const table of await tablesInLayer(lakeRoot, 'quarantine')) {
    const t = await DeltaTable.openIfExists(lakeRoot, quarantinePath(table));
    if (!t) continue;
    const rows: QuarantineRow[] = [];
    for await (const batch of t.scan()) {
      for (const r of batch) {
        rows.push({
          table: String(r.table_name), key: String(r.key_json), position: String(r.position), op: String(r.op), rule: String(r.rule),
          message: String(r.message), record: String(r.record_json), quarantinedAt: r.quarantined_at as Date,
        });
      }
    }
    rows.sort((a, b) => b.quarantinedAt.getTime() - a.quarantinedAt.getTime() || (b.position < a.position ? -1 : b.position > a.position ? 1 : 0));
    quarantine.set(table, { total: rows.length, latest: rows.slice(0, latestPerTable) });
  }
  return { results, quarantine };
}
