// quarantine/<schema>/<table>: every record the gate kept out of silver, with the rule that
// caught it and the message, the key, the change's position and LSN and the record itself, so
// nothing that fails is lost. Written once per silver batch: the batch's txn makes a replay a no-op.

import { DeltaTable, type ColumnSpec } from '../lake/index.js';
import { layerPath, splitTableName } from '../lake/layers.js';
import type { QuarantineEntry } from './types.js';
import { lakeJson } from './values.js';

export const QUARANTINE_COLUMNS: ColumnSpec[] = [
  // `table` is an SQL keyword (Spark, DuckDB and Power BI would need it quoted), hence table_name.
  { name: 'table_name', type: 'string', nullable: false },
  { name: 'key_json', type: 'string', nullable: false },
  { name: 'position', type: 'string', nullable: false },
  { name: 'lsn', type: 'long', nullable: true },
  { name: 'op', type: 'string', nullable: false },
  { name: 'rule', type: 'string', nullable: false },
  { name: 'message', type: 'string', nullable: false },
  { name: 'record_json', type: 'string', nullable: false },
  { name: 'quarantined_at', type: 'timestamp', nullable: false },
];

/** quarantine/<schema>/<table>, named as bronze and silver name theirs (lake/layers.ts). */
export function quarantinePath(table: string): string {
  const { schema, table: name } = splitTableName(table);
  return layerPath('quarantine', schema, name);
}

export interface Txn {
  appId: string;
  version: number;
}

export interface WriteSummary {
  rows: number;
  /** True when the txn was already committed (a replayed batch): nothing was written. */
  skipped: boolean;
  version: number | undefined;
}

/** Appends a batch's quarantined records to quarantine/<schema>/<table>, at most once per txn. */
export async function writeQuarantine(lakeRoot: string, table: string, entries: QuarantineEntry[], txn?: Txn, at: Date = new Date()): Promise<WriteSummary> {
  // An empty batch writes nothing: a replay of it would write nothing either.
  if (entries.length === 0) return { rows: 0, skipped: false, version: undefined };
  const t = await DeltaTable.openOrCreate(lakeRoot, quarantinePath(table), { columns: QUARANTINE_COLUMNS, name: `quarantine ${table}` });
  const rows = entries.map((e) => ({
    table_name: table,
    key_json: lakeJson(e.record.key),
    position: e.record.position,
    lsn: e.record.lsn,
    op: e.record.op,
    rule: e.rule,
    message: e.message,
    record_json: lakeJson(e.record.row),
    quarantined_at: at,
  }));
  const res = await t.append(rows, txn ? { txn: [txn] } : {});
  return { rows: res.skipped ? 0 : rows.length, skipped: res.skipped, version: res.version };
}
