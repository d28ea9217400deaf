// Copy-on-write, shared by delete, update and merge: read each candidate file, let the operation
// decide row by row, and replace only the files where something changed (remove the old file,
// add the rewritten rows as new files), all in one commit.

import type { Action, Add } from '../kernel/actions.js';
import type { Snapshot } from '../kernel/snapshot.js';
import type { Row } from '../kernel/values.js';
import type { Storage } from '../storage/storage.js';
import { readFile } from './scan.js';
import { checkColumns, writeDataFiles } from './write-files.js';

/** Returns the row to keep (maybe changed), or null to drop it; `changed` marks the file dirty. */
export type RowDecision = (row: Row) => { row: Row | null; changed: boolean };

export interface RewriteResult {
  actions: Action[];
  removed: Add[];
  added: Add[];
  rowsChanged: number;
  rowsCopied: number;
}

export async function rewriteFiles(storage: Storage, snapshot: Snapshot, files: Add[], decide: RowDecision, extraRows: Row[] = []): Promise<RewriteResult> {
  const removed: Add[] = [];
  const added: Add[] = [];
  let rowsChanged = 0;
  let rowsCopied = 0;
  const target = { storage, schema: snapshot.schema, partitionColumns: snapshot.partitionColumns };
  // Each rewritten file becomes its own new file: pooling them would grow one file without bound
  // when the same recent rows keep changing (silver, gold), and every later merge would pay for it.
  for (const add of files) {
    const rows = await readFile(storage, snapshot, add);
    const out: Row[] = [];
    let changed = 0;
    for (const row of rows) {
      const d = decide(row);
      if (d.changed) changed++;
      if (d.row) out.push(d.row);
    }
    if (changed === 0) continue;
    removed.push(add);
    rowsChanged += changed;
    rowsCopied += out.length;
    if (out.length) {
      checkColumns(out, snapshot.schema);
      added.push(...(await writeDataFiles(target, out)));
    }
  }
  if (extraRows.length) {
    checkColumns(extraRows, snapshot.schema);
    added.push(...(await writeDataFiles(target, extraRows)));
  }
  const now = Date.now();
  const actions: Action[] = [
    ...removed.map((a) => ({
      remove: { path: a.path, deletionTimestamp: now, dataChange: true, extendedFileMetadata: true, partitionValues: a.partitionValues, size: a.size },
    })),
    ...added.map((add) => ({ add })),
  ];
  return { actions, removed, added, rowsChanged, rowsCopied };
}
