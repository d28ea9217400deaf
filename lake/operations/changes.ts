// Reading a table as a stream: the data files that commits after a given version added, in commit
// order, as Delta streaming sources (Spark's readStream, delta-rs's CDF-less tailing) do. Files
// added with dataChange=false (OPTIMIZE's rewrites) hold rows already seen and are skipped; a
// commit that removed data (delete, merge, overwrite) is reported so that a consumer that only
// expects appends can say so instead of silently missing the change.

import { isAdd, isCommitInfo, isRemove, isTxn, type Add } from '../kernel/actions.js';
import { listLog, readCommit } from '../kernel/log.js';
import type { Snapshot } from '../kernel/snapshot.js';
import type { StructField } from '../kernel/schema.js';
import type { Row } from '../kernel/values.js';
import type { Storage } from '../storage/storage.js';
import { readFile } from './scan.js';

export interface CommitChanges {
  version: number;
  operation: string | undefined;
  /** Files the commit added with new rows (dataChange true). */
  added: Add[];
  /** Paths the commit removed as a data change (not OPTIMIZE's rewrites). */
  removedPaths: string[];
  /** The streaming writers' progress the commit recorded (txn actions: appId, version). */
  txns: Array<{ appId: string; version: number }>;
}

/**
 * The commits after `afterVersion` up to `toVersion` (inclusive), oldest first. A missing commit
 * file in the range (cleaned from the log) is an error: the caller cannot know what it lost.
 */
export async function readChanges(storage: Storage, afterVersion: number, toVersion: number): Promise<CommitChanges[]> {
  if (toVersion <= afterVersion) return [];
  const listing = await listLog(storage);
  const out: CommitChanges[] = [];
  for (let v = afterVersion + 1; v <= toVersion; v++) {
    const actions = await readCommit(storage, v, listing.commits.get(v));
    const added: Add[] = [];
    const removedPaths: string[] = [];
    const txns: CommitChanges['txns'] = [];
    let operation: string | undefined;
    for (const a of actions) {
      if (isAdd(a) && a.add.dataChange !== false) added.push(a.add);
      else if (isRemove(a) && a.remove.dataChange !== false) removedPaths.push(a.remove.path);
      else if (isTxn(a)) txns.push({ appId: a.txn.appId, version: a.txn.version });
      else if (isCommitInfo(a)) operation = a.commitInfo.operation;
    }
    out.push({ version: v, operation, added, removedPaths, txns });
  }
  return out;
}

/** Rows of one added file, typed by the snapshot's schema (columns it lacks read as null). */
export function readAddedFile(storage: Storage, snapshot: Snapshot, add: Add, fields?: StructField[]): Promise<Row[]> {
  return readFile(storage, snapshot, add, fields ?? snapshot.schema.fields);
}
