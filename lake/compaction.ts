// Small files, kept in check while the writers run: a streaming writer that commits every half
// second leaves thousands of files a day, and every reader pays for each one. When a table (for a
// partitioned table, one partition) holds `minFiles` files smaller than the target, OPTIMIZE
// rewrites them into target-sized files with dataChange=false: streaming readers skip that
// commit, and appends beside it never conflict with it.

import { logger } from '../common/log.js';
import * as metrics from '../monitoring/metrics.js';
import type { DeltaTable, OptimizeResult } from './index.js';

const log = logger('lake');

export interface CompactionPolicy {
  minFiles: number;
  targetBytes: number;
}

/** Whether some partition of the table has at least `minFiles` small files. */
export function needsCompaction(table: DeltaTable, policy: CompactionPolicy): boolean {
  const perPartition = new Map<string, number>();
  for (const add of table.snapshot.files.values()) {
    if (add.size >= policy.targetBytes) continue;
    const key = JSON.stringify(add.partitionValues ?? {});
    const n = (perPartition.get(key) ?? 0) + 1;
    if (n >= policy.minFiles) return true;
    perPartition.set(key, n);
  }
  return false;
}

/** Compacts the table if it needs it; returns what OPTIMIZE did, or undefined. */
export async function compactIfNeeded(table: DeltaTable, path: string, policy: CompactionPolicy): Promise<OptimizeResult | undefined> {
  if (!needsCompaction(table, policy)) return undefined;
  const started = Date.now();
  const res = await table.optimize({ targetSize: policy.targetBytes });
  if (res.filesRemoved > 0) {
    metrics.deltaCommitsTotal.inc({ table: path, operation: 'OPTIMIZE' });
    metrics.deltaFilesAddedTotal.inc({ table: path }, res.filesAdded);
    log.info('compacted small files', { table: path, removed: res.filesRemoved, added: res.filesAdded, rows: res.rows, ms: Date.now() - started });
  }
  return res;
}
