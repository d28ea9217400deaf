// UPDATE: rows matching the filters get new values (fixed values or computed from the row);
// only the files holding such rows are rewritten.

import { UserError } from '../../common/errors.js';
import { findField } from '../kernel/schema.js';
import type { Snapshot } from '../kernel/snapshot.js';
import type { Filter } from '../kernel/stats.js';
import { commit } from '../kernel/transaction.js';
import type { Row } from '../kernel/values.js';
import type { Storage } from '../storage/storage.js';
import { checkRowLevel, rowMatcher, type DeleteOptions } from './delete.js';
import { rewriteFiles } from './rewrite.js';
import { selectFiles } from './scan.js';
import type { WriteResult } from './write.js';

export type UpdateSet = Record<string, unknown> | ((row: Row) => Row);

export async function updateRows(storage: Storage, snapshot: Snapshot, filters: Filter[], set: UpdateSet, opts: DeleteOptions = {}): Promise<WriteResult & { rowsUpdated: number }> {
  checkRowLevel(storage, snapshot, 'update');
  if (typeof set !== 'function') {
    for (const k of Object.keys(set)) if (!findField(snapshot.schema, k)) throw new UserError(`update sets unknown column "${k}"`);
  }
  const candidates = selectFiles(snapshot, filters);
  const match = rowMatcher(snapshot, filters, opts.where);
  const apply = typeof set === 'function' ? set : (row: Row) => ({ ...row, ...set });
  const result = await rewriteFiles(storage, snapshot, candidates, (row) => (match(row) ? { row: apply({ ...row }), changed: true } : { row, changed: false }));
  if (result.actions.length === 0) return { version: snapshot.version, skipped: false, filesAdded: 0, filesRemoved: 0, rows: 0, rowsUpdated: 0 };
  const version = await commit(
    storage,
    snapshot,
    {
      operation: 'UPDATE',
      operationParameters: { predicate: JSON.stringify(filters) },
      operationMetrics: { num_removed_files: result.removed.length, num_added_files: result.added.length, num_updated_rows: result.rowsChanged, num_copied_rows: result.rowsCopied - result.rowsChanged },
      actions: result.actions,
      readFiles: candidates.map((a) => a.path),
      blindAppend: false,
    },
    opts,
  );
  return { version, skipped: false, filesAdded: result.added.length, filesRemoved: result.removed.length, rows: result.rowsChanged, rowsUpdated: result.rowsChanged };
}
