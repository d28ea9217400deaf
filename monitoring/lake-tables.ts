// What the lake holds, read from the Delta logs alone: each table's version, rows, files, bytes
// and last commit, and how far silver and gold are behind the layer they follow (the versions
// silver and gold record in their txn actions). No data file is opened, so this stays cheap on
// big tables and is safe to run beside the writers.

import { UserError } from '../common/errors.js';
import { DeltaTable, rootStorage } from '../lake/index.js';
import { KEYLESS_REASON, recordedPrimaryKey } from '../lake/silver/writer.js';

export interface LakeTable {
  /** Path inside the lake root, e.g. "silver/public/activities", "gold/kpis". */
  path: string;
  /** First folder of the path: bronze, silver, gold, quarantine, quality_results, ... */
  layer: string;
  version: number;
  rows: number;
  files: number;
  bytes: number;
  lastCommit: Date | undefined;
  lastOperation: string | undefined;
}

export interface LakeState {
  tables: LakeTable[];
  /** Bronze versions each silver table has not applied, by silver path. */
  silverLag: Record<string, number>;
  /** Silver versions not yet in gold, by silver path (the most of any gold table following it). */
  goldLag: Record<string, number>;
  /** Bronze tables silver leaves out, by bronze path, with why (a source without a primary key). */
  silverSkipped: Record<string, string>;
}

/** Table paths under the lake root (a folder holding _delta_log), at most three folders deep. */
export async function findLakeTables(root: string): Promise<string[]> {
  const storage = rootStorage(root);
  const out: string[] = [];
  const walk = async (rel: string, depth: number) => {
    const folders = await storage.listFolders(rel);
    if (folders.includes('_delta_log')) {
      out.push(rel);
      return;
    }
    if (depth === 3) return;
    for (const name of folders.sort()) {
      if (!name.startsWith('_') && !name.startsWith('.')) await walk(rel ? `${rel}/${name}` : name, depth + 1);
    }
  };
  await walk('', 0);
  return out.sort();
}

/** Rows of a file from its statistics; a file written without them counts 0. */
export function recordsOf(stats: string | null | undefined): number {
  if (!stats) return 0;
  try {
    const n = (JSON.parse(stats) as { numRecords?: unknown }).numRecords;
    return typeof n === 'number' ? n : 0;
  } catch {
    return 0;
  }
}

export async function describeTable(table: DeltaTable, path: string): Promise<LakeTable> {
  let rows = 0;
  let bytes = 0;
  for (const add of table.snapshot.files.values()) {
    rows += recordsOf(add.stats);
    bytes += add.size;
  }
  const [last] = await table.history(1);
  return {
    path,
    layer: path.split('/')[0]!,
    version: table.version,
    rows,
    files: table.snapshot.files.size,
    bytes,
    lastCommit: last?.timestamp,
    lastOperation: last?.operation,
  };
}

async function openIfThere(root: string, path: string): Promise<DeltaTable | undefined> {
  try {
    return await DeltaTable.open(root, path);
  } catch (e) {
    // a folder whose first commit is still being written, or was removed under us
    if (e instanceof UserError && /no Delta table/.test(e.message)) return undefined;
    throw e;
  }
}

/** Every table of the lake, and the silver and gold lag between them. */
export async function readLake(root: string): Promise<LakeState> {
  const opened = new Map<string, DeltaTable>();
  const tables: LakeTable[] = [];
  for (const path of await findLakeTables(root)) {
    const t = await openIfThere(root, path);
    if (!t) continue;
    opened.set(path, t);
    tables.push(await describeTable(t, path));
  }
  const silverLag: Record<string, number> = {};
  const goldLag: Record<string, number> = {};
  const silverSkipped: Record<string, string> = {};
  for (const [path, t] of opened) {
    if (path.startsWith('bronze/') && !recordedPrimaryKey(t)) silverSkipped[path] = KEYLESS_REASON;
    if (path.startsWith('silver/')) {
      const bronzePath = `bronze/${path.slice('silver/'.length)}`;
      const bronze = opened.get(bronzePath);
      if (bronze) silverLag[path] = Math.max(0, bronze.version - (t.txnVersion(bronzePath) ?? -1));
    }
    if (path.startsWith('gold/')) {
      // gold records the silver versions it covers as txn "gold:<silver path>" (lake/gold/gold-writer.ts)
      for (const [appId, txn] of t.snapshot.txns) {
        if (!appId.startsWith('gold:')) continue;
        const silverPath = appId.slice('gold:'.length);
        const silver = opened.get(silverPath);
        if (!silver) continue;
        goldLag[silverPath] = Math.max(goldLag[silverPath] ?? 0, silver.version - txn.version);
      }
    }
  }
  return { tables, silverLag, goldLag, silverSkipped };
}
