// Writing a checkpoint: the snapshot's live actions in one Parquet file, then _last_checkpoint.
// Only after the commit it summarises exists, and each file appears whole (temporary name, then
// rename), so a writer killed at any point leaves either no checkpoint or a complete one; readers
// that find none replay the JSON commits instead.

import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeCheckpointFile } from '../parquet/checkpoint-file.js';
import type { Storage } from '../storage/storage.js';
import { checkpointFileName, type Action } from './actions.js';
import { tableConfig } from './config.js';
import { readLastCheckpoint } from './log.js';
import type { Snapshot } from './snapshot.js';

export async function writeCheckpoint(storage: Storage, snapshot: Snapshot, now = Date.now()): Promise<void> {
  const version = snapshot.version;
  const cutoff = now - tableConfig(snapshot.metadata).deletedFileRetentionMs;
  let rows = 0;
  function* actions(): Generator<Action> {
    rows = 2 + snapshot.txns.size + snapshot.files.size;
    yield { protocol: snapshot.protocol! };
    yield { metaData: snapshot.metadata! };
    for (const txn of snapshot.txns.values()) yield { txn };
    for (const add of snapshot.files.values()) yield { add: { ...add, dataChange: false } };
    // tombstones stay while vacuum must still respect them
    for (const remove of snapshot.tombstones.values()) {
      if ((remove.deletionTimestamp ?? 0) >= cutoff) {
        rows++;
        yield { remove: { ...remove, dataChange: false } };
      }
    }
  }
  const local = join(tmpdir(), `lake-cp-${randomUUID()}.parquet`);
  try {
    await writeCheckpointFile(local, actions());
    const size = (await fs.stat(local)).size;
    await storage.putLocalFile(checkpointFileName(version), local);
    const previous = await readLastCheckpoint(storage);
    if (previous && previous.version > version) return;
    const last = { version, size: rows, sizeInBytes: size, numOfAddFiles: snapshot.files.size };
    await storage.put('_delta_log/_last_checkpoint', Buffer.from(JSON.stringify(last)));
  } finally {
    await fs.rm(local, { force: true });
  }
}
