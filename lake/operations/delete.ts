// DELETE: rows matching the filters (ANDed) or a predicate go; files where nothing matches stay
// untouched. Files whose partition alone decides are removed without being read.

import { UserError } from '../../common/errors.js';
import type { Add } from '../kernel/actions.js';
import { checkWritable, isAppendOnly } from '../kernel/protocol.js';
import { findField } from '../kernel/schema.js';
import type { Snapshot } from '../kernel/snapshot.js';
import { matches, type Filter } from '../kernel/stats.js';
import { commit, type CommitOptions } from '../kernel/transaction.js';
import type { Row } from '../kernel/values.js';
import type { Storage } from '../storage/storage.js';
import { rewriteFiles } from './rewrite.js';
import { selectFiles } from './scan.js';
import type { WriteResult } from './write.js';

export interface DeleteOptions extends CommitOptions {
  /** Extra row condition, ANDed with the filters. */
  where?: (row: Row) => boolean;
}

export function checkRowLevel(storage: Storage, snapshot: Snapshot, what: string): void {
  checkWritable(snapshot.protocol!, snapshot.requireMetadata(), storage.location);
  if (isAppendOnly(snapshot.requireMetadata())) {
    throw new UserError(`the table is append-only (delta.appendOnly=true): ${what} is not allowed`, { where: storage.location });
  }
}

export function rowMatcher(snapshot: Snapshot, filters: Filter[], where?: (row: Row) => boolean): (row: Row) => boolean {
  const typed = filters.map((f) => ({ f, field: findField(snapshot.schema, f.column)! }));
  return (row) => typed.every(({ f, field }) => matches(row[field.name], f, field.type)) && (where ? where(row) : true);
}

export async function deleteRows(storage: Storage, snapshot: Snapshot, filters: Filter[], opts: DeleteOptions = {}): Promise<WriteResult & { rowsDeleted: number }> {
  checkRowLevel(storage, snapshot, 'delete');
  if (filters.length === 0 && !opts.where) {
    throw new UserError('delete needs filters or a where predicate', { fix: 'to empty the table, use overwrite with no rows' });
  }
  const candidates = selectFiles(snapshot, filters);
  const partLower = new Set(snapshot.partitionColumns.map((c) => c.toLowerCase()));
  // whole files go when only partition filters decide: no need to read them
  const wholeFiles = !opts.where && filters.every((f) => partLower.has(f.column.toLowerCase()));
  const match = rowMatcher(snapshot, filters, opts.where);
  let removedWhole: Add[] = [];
  let result;
  if (wholeFiles) {
    removedWhole = candidates;
    const now = Date.now();
    result = {
      actions: candidates.map((a) => ({ remove: { path: a.path, deletionTimestamp: now, dataChange: true, extendedFileMetadata: true, partitionValues: a.partitionValues, size: a.size } })),
      removed: candidates,
      added: [],
      rowsChanged: candidates.reduce((n, a) => n + (numRecords(a) ?? 0), 0),
      rowsCopied: 0,
    };
  } else {
    result = await rewriteFiles(storage, snapshot, candidates, (row) => (match(row) ? { row: null, changed: true } : { row, changed: false }));
  }
  if (result.actions.length === 0) return { version: snapshot.version, skipped: false, filesAdded: 0, filesRemoved: 0, rows: 0, rowsDeleted: 0 };
  const version = await commit(
    storage,
    snapshot,
    {
      operation: 'DELETE',
      operationParameters: { predicate: JSON.stringify(filters) },
      operationMetrics: { num_removed_files: result.removed.length, num_added_files: result.added.length, num_deleted_rows: result.rowsChanged, num_copied_rows: result.rowsCopied },
      actions: result.actions,
      readFiles: (removedWhole.length ? removedWhole : candidates).map((a) => a.path),
      blindAppend: false,
    },
    opts,
  );
  return { version, skipped: false, filesAdded: result.added.length, filesRemoved: result.removed.length, rows: result.rowsChanged, rowsDeleted: result.rowsChanged };
}

function numRecords(a: Add): number | undefined {
  try {
    return a.stats ? Number(JSON.parse(a.stats).numRecords) : undefined;
  } catch {
    return undefined;
  }
}
