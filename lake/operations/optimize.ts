// OPTIMIZE (compaction): small files of a partition are rewritten into files of about the target
// size. The commit only removes and adds files with dataChange=false, so streaming readers skip
// it, and it conflicts only with commits that removed one of the same files: appends running
// beside it never fail (delta-rs #2700 is the bug this avoids).

import type { Action, Add } from '../kernel/actions.js';
import { checkWritable } from '../kernel/protocol.js';
import type { Snapshot } from '../kernel/snapshot.js';
import type { Filter } from '../kernel/stats.js';
import { commit, type CommitOptions } from '../kernel/transaction.js';
import type { Row } from '../kernel/values.js';
import type { Storage } from '../storage/storage.js';
import { readFile, selectFiles } from './scan.js';
import { writeDataFiles } from './write-files.js';

export interface OptimizeOptions extends CommitOptions {
  /** Target file size in bytes (default 100 MiB); files at least this big are left alone. */
  targetSize?: number;
  /** Only compact partitions matching these filters (partition columns). */
  partitionFilters?: Filter[];
  /** Plan only: report what would be compacted. */
  dryRun?: boolean;
}

export interface OptimizeResult {
  version: number;
  filesRemoved: number;
  filesAdded: number;
  partitionsOptimized: number;
  rows: number;
}

export async function optimize(storage: Storage, snapshot: Snapshot, opts: OptimizeOptions = {}): Promise<OptimizeResult> {
  checkWritable(snapshot.protocol!, snapshot.requireMetadata(), storage.location);
  const target = opts.targetSize ?? 100 * 1024 * 1024;
  const byPartition = new Map<string, Add[]>();
  for (const add of selectFiles(snapshot, opts.partitionFilters ?? [])) {
    if (add.size >= target) continue;
    const key = JSON.stringify(snapshot.partitionColumns.map((c) => add.partitionValues?.[c] ?? null));
    byPartition.set(key, [...(byPartition.get(key) ?? []), add]);
  }
  // bins of small files, each bin at most about the target size
  const bins: Add[][] = [];
  for (const files of byPartition.values()) {
    if (files.length < 2) continue;
    files.sort((a, b) => a.size - b.size);
    let bin: Add[] = [];
    let size = 0;
    for (const f of files) {
      if (bin.length && size + f.size > target) {
        if (bin.length > 1) bins.push(bin);
        bin = [];
        size = 0;
      }
      bin.push(f);
      size += f.size;
    }
    if (bin.length > 1) bins.push(bin);
  }
  const partitions = new Set(bins.map((b) => JSON.stringify(b[0]!.partitionValues)));
  const removedCount = bins.reduce((n, b) => n + b.length, 0);
  if (bins.length === 0 || opts.dryRun) {
    return { version: snapshot.version, filesRemoved: opts.dryRun ? removedCount : 0, filesAdded: opts.dryRun ? bins.length : 0, partitionsOptimized: partitions.size, rows: 0 };
  }
  const actions: Action[] = [];
  let rows = 0;
  const now = Date.now();
  for (const bin of bins) {
    const binRows: Row[] = [];
    for (const add of bin) for (const r of await readFile(storage, snapshot, add)) binRows.push(r);
    rows += binRows.length;
    const adds = await writeDataFiles({ storage, schema: snapshot.schema, partitionColumns: snapshot.partitionColumns }, binRows, false);
    for (const add of bin) {
      actions.push({ remove: { path: add.path, deletionTimestamp: now, dataChange: false, extendedFileMetadata: true, partitionValues: add.partitionValues, size: add.size } });
    }
    for (const add of adds) actions.push({ add });
  }
  const added = actions.filter((a) => 'add' in a).length;
  const version = await commit(
    storage,
    snapshot,
    {
      operation: 'OPTIMIZE',
      operationParameters: { targetSize: String(target), predicate: JSON.stringify(opts.partitionFilters ?? []) },
      operationMetrics: { numFilesAdded: added, numFilesRemoved: removedCount, numBatches: bins.length },
      actions,
      readFiles: bins.flat().map((a) => a.path),
      blindAppend: false,
    },
    opts,
  );
  return { version, filesRemoved: removedCount, filesAdded: added, partitionsOptimized: partitions.size, rows };
}
