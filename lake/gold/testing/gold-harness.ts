// Helpers shared by gold's tests and benchmark: the default rules, an engine on a lake root, and
// gold rows read back in key order.

import { loadConfig } from '../../../common/config.js';
import { DeltaTable, type Row } from '../../index.js';
import { GoldEngine, type GoldEngineOptions } from '../engine.js';
import { goldPath, type GoldModel } from '../model.js';
import { GOLD_MODELS } from '../models.js';
import { goldRules, type GoldRules } from '../rules.js';

/** The rules with the documented defaults (the environment's GOLD_* variables ignored). */
export function defaultRules(overrides: Record<string, unknown> = {}): GoldRules {
  return goldRules(loadConfig({ env: {}, overrides }));
}

/** An engine with the default settings (no compaction unless asked). */
export function goldEngine(root: string, rules: GoldRules = defaultRules(), more: Partial<GoldEngineOptions> = {}): GoldEngine {
  return new GoldEngine({ root, sourceSchema: 'public', rules, rowsPerFile: 10_000, ...more });
}

export function model(name: string): GoldModel {
  const m = GOLD_MODELS.find((x) => x.name === name);
  if (!m) throw new Error(`no gold model ${name}`);
  return m;
}

/** A gold table's rows at its latest version, sorted by the model's key. */
export async function goldRows(root: string, name: string): Promise<Row[]> {
  const table = await DeltaTable.open(root, goldPath(name));
  return sortByKey(await table.rows(), model(name).keys);
}

export function sortByKey(rows: Row[], keys: string[]): Row[] {
  const k = (r: Row) => keys.map((c) => r[c]);
  return rows.sort((a, b) => {
    const x = k(a);
    const y = k(b);
    for (let i = 0; i < x.length; i++) {
      const p = x[i] instanceof Date ? (x[i] as Date).getTime() : x[i];
      const q = y[i] instanceof Date ? (y[i] as Date).getTime() : y[i];
      if (p === q) continue;
      if (p === null || p === undefined) return -1;
      if (q === null || q === undefined) return 1;
      return (p as number) < (q as number) ? -1 : 1;
    }
    return 0;
  });
}

/** Every gold table's rows, for comparing two states of gold. */
export async function allGold(root: string): Promise<Record<string, Row[]>> {
  const out: Record<string, Row[]> = {};
  for (const m of GOLD_MODELS) out[m.name] = await goldRows(root, m.name);
  return out;
}

/** Only the named columns of each row. */
export function pick(rows: Row[], columns: string[]): Row[] {
  return rows.map((r) => Object.fromEntries(columns.map((c) => [c, r[c]])));
}
