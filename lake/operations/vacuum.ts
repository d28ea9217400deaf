// VACUUM: delete data files that no version inside the retention period needs. A file goes only
// if the latest snapshot does not reference it, no tombstone younger than the retention holds it
// (versions in that window may still be read, by time travel or by a reader that started
// before), and it is itself older than the retention (a writer may be about to commit it). The
// log, checkpoints included, is never touched here.

import { UserError } from '../../common/errors.js';
import { logger } from '../../common/log.js';
import { fileKey } from '../kernel/actions.js';
import { tableConfig } from '../kernel/config.js';
import { checkWritable } from '../kernel/protocol.js';
import type { Snapshot } from '../kernel/snapshot.js';
import type { Storage } from '../storage/storage.js';

const log = logger('lake');

export interface VacuumOptions {
  /** Keep files needed by versions of the last N hours (default: the table's deletedFileRetentionDuration, 7 days). */
  retentionHours?: number;
  /** List what would be deleted, delete nothing. */
  dryRun?: boolean;
  /** Allow a retention shorter than the table's (default false: refused, as delta-rs does). */
  enforceRetention?: boolean;
  now?: number;
}

export interface VacuumResult {
  dryRun: boolean;
  files: string[];
}

export async function vacuum(storage: Storage, snapshot: Snapshot, opts: VacuumOptions = {}): Promise<VacuumResult> {
  checkWritable(snapshot.protocol!, snapshot.requireMetadata(), storage.location);
  const tableRetention = tableConfig(snapshot.metadata).deletedFileRetentionMs;
  const retention = opts.retentionHours !== undefined ? opts.retentionHours * 3_600_000 : tableRetention;
  if (!(retention >= 0)) throw new UserError('retention must be a non-negative number of hours');
  if (retention < tableRetention && opts.enforceRetention !== false) {
    throw new UserError(`a retention of ${retention / 3_600_000} h is shorter than the table's ${tableRetention / 3_600_000} h: readers of recent versions could lose files`, {
      fix: 'use a longer retention, or pass enforceRetention: false (CLI: --force) if no reader needs those versions',
    });
  }
  const now = opts.now ?? Date.now();
  const cutoff = now - retention;
  const keep = new Set<string>();
  for (const k of snapshot.files.keys()) keep.add(k);
  for (const [k, r] of snapshot.tombstones) if ((r.deletionTimestamp ?? now) > cutoff) keep.add(k);
  const files = await storage.list('', { recursive: true });
  const doomed: string[] = [];
  for (const f of files) {
    const segments = f.path.split('/');
    // _delta_log, _change_data and hidden files (writers' temporaries) are not data files
    if (segments.some((s) => s.startsWith('_') && !s.includes('=')) || segments.some((s) => s.startsWith('.'))) continue;
    if (keep.has(fileKey(f.path)) || keep.has(f.path)) continue;
    if (f.modified > cutoff) continue;
    doomed.push(f.path);
  }
  doomed.sort();
  if (!opts.dryRun) {
    for (const path of doomed) await storage.delete(path);
    log.info('vacuum', { table: storage.location, deleted: doomed.length });
  }
  return { dryRun: Boolean(opts.dryRun), files: doomed };
}
