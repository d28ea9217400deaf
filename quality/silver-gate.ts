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

export interface ChangeGateOptions {
  ctx?: GateContext;
  /**
   * How long after its commit a record that breaks a foreign key may wait for the referenced
   * table (default 60 s): bronze tables arrive independently, so an activity can reach silver's
   * gate before its employee's silver row exists. While a referenced table is missing or behind
   * its bronze, or within 2 s of the record's commit, the batch is held back and judged again.
   */
  foreignKeyWaitMs?: number;
}

export function qualityChangeGate(gate: QualityGate, lakeRoot: string, opts: ChangeGateOptions = {}): ChangeGate {
  const ctx = opts.ctx ?? silverLookup(lakeRoot);
  const waitMs = opts.foreignKeyWaitMs ?? 60_000;
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
      const outcome = await gate.check(table, records, ctx, { deferMetrics: true });
      const hold = await foreignKeyHold(gate, lakeRoot, table, outcome.quarantined.map((q) => ({ rule: q.rule, row: byRecord.get(q.record)! })), waitMs);
      if (hold) return { passed: [], hold, record: async () => undefined };
      const held = new Set(outcome.quarantined.map((q) => byRecord.get(q.record)));
      const { schema, table: name } = splitTableName(table);
      const appId = layerPath('bronze', schema, name);
      return {
        passed: held.size ? changes.filter((r) => !held.has(r)) : changes,
        ...(outcome.failure ? { failure: outcome.failure } : {}),
        async record(bronzeVersion) {
          gate.countOutcome(table, outcome);
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

/** Why a batch whose foreign-key failures may be premature should wait, or undefined. */
async function foreignKeyHold(gate: QualityGate, lakeRoot: string, table: string, failures: Array<{ rule: string; row: Row }>, waitMs: number): Promise<string | undefined> {
  if (waitMs <= 0) return undefined;
  const fkRules = new Set(gate.rules(table).filter((r) => r.type === 'foreign_key').map((r) => r.name));
  const times = failures.filter((f) => fkRules.has(f.rule)).map((f) => (f.row._source_ts instanceof Date ? f.row._source_ts.getTime() : Date.now()));
  if (times.length === 0) return undefined;
  const age = Date.now() - Math.max(...times);
  const oldest = Date.now() - Math.min(...times);
  if (oldest >= waitMs) return undefined;
  if (age < Math.min(2000, waitMs)) return `${times.length} record(s) break a foreign key within 2 s of their commit`;
  for (const ref of gate.dependencies(table)) {
    const behind = await referencedBehind(lakeRoot, ref);
    if (behind) return `${times.length} record(s) break a foreign key to ${ref}, whose ${behind}`;
  }
  return undefined;
}

/** What keeps a referenced table's silver from being complete, or undefined when it is. */
async function referencedBehind(lakeRoot: string, table: string): Promise<string | undefined> {
  const { schema, table: name } = splitTableName(table);
  const bronzePath = layerPath('bronze', schema, name);
  const open = async (path: string) => {
    try {
      return await DeltaTable.open(lakeRoot, path);
    } catch (e) {
      if (e instanceof UserError && /^no Delta table/.test(e.message)) return undefined;
      throw e;
    }
  };
  const bronze = await open(bronzePath);
  if (!bronze) return 'bronze table does not exist yet';
  // bronze creates a table (version 0) before it appends the first rows, and rows of one table
  // arrive over several commits: a referenced table that is still filling is not yet complete
  if (bronze.version === 0) return 'bronze table has no rows yet';
  const last = (await bronze.history(1))[0];
  if (last && Date.now() - last.timestamp.getTime() < 2000) return 'bronze table was written less than 2 s ago';
  const silver = await open(silverPath(table));
  if (!silver) return 'silver table does not exist yet';
  const applied = silver.txnVersion(bronzePath) ?? -1;
  return applied < bronze.version ? `silver is at bronze version ${applied} of ${bronze.version}` : undefined;
}
