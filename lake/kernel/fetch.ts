// The Parquet engine reads local files. With local storage that is the file itself; with an
// object store, a local copy kept while there is room (storage/local-copies.ts).

import { promises as fs } from 'node:fs';
import { UserError } from '../../common/errors.js';
import { localCopy } from '../storage/local-copies.js';
import type { Storage } from '../storage/storage.js';

export async function cachedLocal(storage: Storage, path: string): Promise<string> {
  const local = storage.localPath(path);
  if (local) {
    if (!(await fs.stat(local).catch(() => undefined))) throw missing(storage, path);
    return local;
  }
  const copy = await localCopy(storage, path);
  if (!copy) throw missing(storage, path);
  return copy;
}

function missing(storage: Storage, path: string): UserError {
  return new UserError(`a file the Delta log refers to is missing: ${path}`, {
    where: storage.location,
    fix: 'restore it from a backup, or read a version that does not need it; vacuum with a too short retention removes such files',
  });
}
