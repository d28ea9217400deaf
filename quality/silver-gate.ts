// The quality gate behind silver's seam (lake/silver/gate.ts ChangeGate): bronze rows in, the rows
// that may go on out, and the batch's verdicts recorded once per bronze version. Deletes and
// truncates always go on (they carry no new values to judge).
//
// An update whose unchanged TOASTed values bronze could not carry (listed in `_toasted`) is judged
// with those values as silver, or an earlier change of the batch, holds them: the gate never sees
// a hole where the source has a value.

import { UserError } from '../common/errors.js';
import { BRONZE_METADATA } from '../lake/bronze/rows.js';
import { DeltaTable, type Row } from '../lake/index.js';
import { layerPath, splitTableName } from '../lake/layers.js';
import type { ChangeGate, GateCheck } from '../lake/silver/gate.js';
import type { QualityGate } from './gate.js';
import { writeQuarantine } from './quarantine-table.js';
import { writeQualityResults } from './results-table.js';
import { silverLookup, silverPath } from './silver-lookup.js';
import type { GateContext, GateRecord } from './types.js';
import { recordKeyString } from './values.js';

const METADATA = new Set(BRONZE_METADATA.map((c) => c.name));

export function qualityChangeGate(gate: QualityGate, lakeRoot: string, opts: { ctx?: GateContext } = {}): ChangeGate {
  const ctx = opts.ctx ?? silverLookup(lakeRoot);
  return {
    order(tables) {
      const rank = new Map(gate.tables().map((t, i) => [t, i]));
      return [...tables].sort((a, b) => (rank.get(a) ?? rank.size) - (rank.get(b) ?? rank.size));
    },
    async check(table, changes, keyColumns): Promise<GateCheck> {
      const byRecord = new Map<GateRecord, Row>();
      const records: GateRecord[] = [];
      for (const r of changes) {
        if (r._op !== 'c' && r._op !== 'u' && r._op !== 'r') continue;
        const row: Row = {};
        for (const k in r) if (!METADATA.has(k)) row[k] = r[k];
        const rec: GateRecord = {
          table,
          key: Object.fromEntries(keyColumns.map((k) => [k, r[k]])),
          position: String(r._position ?? ''),
          lsn: typeof r._lsn === 'bigint' ? r._lsn : null,
          op: r._op,
          row,
        };
        records.push(rec);
        byRecord.set(rec, r);
      }
      await fillToasted(lakeRoot, table, keyColumns, records, byRecord);
      const outcome = await gate.check(table, records, ctx);
      const held = new Set(outcome.quarantined.map((q) => byRecord.get(q.record)));
      const { schema, table: name } = splitTableName(table);
      const appId = layerPath('bronze', schema, name);
      return {
        passed: held.size ? changes.filter((r) => !held.has(r)) : changes,
        ...(outcome.failure ? { failure: outcome.failure } : {}),
        async record(bronzeVersion) {
          const at = new Date();
          await writeQuarantine(lakeRoot, table, outcome.quarantined, { appId, version: bronzeVersion }, at);
          await writeQualityResults(lakeRoot, outcome.results, { appId, version: bronzeVersion }, at);
        },
      };
    },
  };
}

async function fillToasted(lakeRoot: string, table: string, keyColumns: string[], records: GateRecord[], bronze: Map<GateRecord, Row>): Promise<void> {
  const toasted = records.filter((rec) => (bronze.get(rec)!._toasted as string[] | null)?.length);
  if (toasted.length === 0 || keyColumns.length === 0) return;
  const current = new Map<string, Row>();
  try {
    const silver = await DeltaTable.open(lakeRoot, silverPath(table));
    const firstKey = [...new Set(toasted.map((rec) => rec.key[keyColumns[0]!]))];
    for (const row of await silver.rows({ filters: [{ column: keyColumns[0]!, op: 'in', value: firstKey }] })) {
      current.set(recordKeyString(Object.fromEntries(keyColumns.map((k) => [k, row[k]]))), row);
    }
  } catch (e) {
    if (!(e instanceof UserError && /^no Delta table/.test(e.message))) throw e;
  }
  // later changes of a key take the values an earlier change of the batch gave it
  for (const rec of records) {
    const k = recordKeyString(rec.key);
    const missing = bronze.get(rec)!._toasted as string[] | null;
    const known = current.get(k);
    if (missing?.length && known) for (const c of missing) rec.row[c] = known[c] ?? null;
    current.set(k, { ...(known ?? {}), ...rec.row });
  }
}
