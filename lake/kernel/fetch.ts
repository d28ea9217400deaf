// The Parquet engine reads local files. With local storage that is the file itself; with an
// object store the bytes are fetched once into a temporary file.

import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../../common/errors.js';
import type { Storage } from '../storage/storage.js';

export async function cachedLocal(storage: Storage, path: string): Promise<string> {
  const local = storage.localPath(path);
  if (local) {
    if (!(await fs.stat(local).catch(() => undefined))) throw missing(storage, path);
    return local;
  }
  const bytes = await storage.read(path);
  if (!bytes) throw missing(storage, path);
  const file = join(tmpdir(), `lake-fetch-${randomUUID()}.parquet`);
  await fs.writeFile(file, bytes);
  return file;
}

function missing(storage: Storage, path: string): UserError {
  return new UserError(`a file the Delta log refers to is missing: ${path}`, {
    where: storage.location,
    fix: 'restore it from a backup, or read a version that does not need it; vacuum with a too short retention removes such files',
  });
}
