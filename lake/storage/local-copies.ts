// Local copies of an object store's files for the Parquet engine, which reads local files only
// (DuckDB's httpfs and azure extensions are downloaded at run time, which many machines cannot
// do). Data files and checkpoints never change once written, so a copy stays valid: the copies
// are kept in one folder per process, the least recently used removed once they pass a bound.
// Files this process uploads are kept as they were written (silver reads what bronze just wrote
// in the same `lakehouse run`), so they are not downloaded again.

import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Storage } from './storage.js';

/** Bytes of copies kept (the newest few are kept whatever their size: a scan is reading them). */
const LIMIT_BYTES = 1 << 30;
const KEEP_NEWEST = 4;
/** Files larger than this are fetched in ranges of this size, several at once. */
const RANGE_BYTES = 8 << 20;
const RANGE_CONCURRENCY = 4;

const ROOT = join(tmpdir(), 'lakehouse-local-copies');
let folder: string | undefined;
const entries = new Map<string, { file: string; size: number }>();
const inFlight = new Map<string, Promise<string | undefined>>();
let bytes = 0;

function cacheFolder(): string {
  if (folder) return folder;
  mkdirSync(ROOT, { recursive: true });
  // folders left by processes that were killed
  for (const name of readdirSync(ROOT)) {
    const pid = Number(name.split('-')[0]);
    if (Number.isInteger(pid) && pid !== process.pid && !alive(pid)) rmSync(join(ROOT, name), { recursive: true, force: true });
  }
  folder = join(ROOT, `${process.pid}-${randomUUID().slice(0, 8)}`);
  mkdirSync(folder, { recursive: true });
  const f = folder;
  process.once('exit', () => rmSync(f, { recursive: true, force: true }));
  return folder;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function keyOf(location: string, path: string): string {
  return `${location}/${path}`;
}

function fileFor(key: string, path: string): string {
  const ext = /\.[a-z]+$/i.exec(path)?.[0] ?? '';
  return join(cacheFolder(), createHash('sha256').update(key).digest('hex').slice(0, 32) + ext);
}

function remember(key: string, file: string, size: number): void {
  const old = entries.get(key);
  if (old) bytes -= old.size;
  entries.delete(key);
  entries.set(key, { file, size });
  bytes += size;
  for (const [k, e] of entries) {
    if (bytes <= LIMIT_BYTES || entries.size <= KEEP_NEWEST) break;
    entries.delete(k);
    bytes -= e.size;
    rmSync(e.file, { force: true });
  }
}

/** A local file with the bytes of `path`, or undefined when the storage has no such file. */
export async function localCopy(storage: Storage, path: string): Promise<string | undefined> {
  const key = keyOf(storage.location, path);
  const hit = entries.get(key);
  if (hit) {
    // most recently used now
    entries.delete(key);
    entries.set(key, hit);
    return hit.file;
  }
  let pending = inFlight.get(key);
  if (!pending) {
    pending = download(storage, path, key).finally(() => inFlight.delete(key));
    inFlight.set(key, pending);
  }
  return pending;
}

async function download(storage: Storage, path: string, key: string): Promise<string | undefined> {
  const file = fileFor(key, path);
  const tmp = `${file}.${randomUUID().slice(0, 8)}.part`;
  try {
    const first = await storage.readRange(path, 0, RANGE_BYTES);
    if (!first) return undefined;
    let size = first.length;
    if (first.length < RANGE_BYTES) {
      await fs.writeFile(tmp, first);
    } else {
      const info = await storage.stat(path);
      if (!info) return undefined;
      size = info.size;
      const handle = await fs.open(tmp, 'w');
      try {
        await handle.write(first, 0, first.length, 0);
        const ranges = Math.ceil(size / RANGE_BYTES);
        let next = 1;
        const worker = async () => {
          while (next < ranges) {
            const i = next++;
            const part = await storage.readRange(path, i * RANGE_BYTES, Math.min(RANGE_BYTES, size - i * RANGE_BYTES));
            if (!part) throw new Error(`${storage.location}/${path} disappeared while it was read`);
            await handle.write(part, 0, part.length, i * RANGE_BYTES);
          }
        };
        await Promise.all(Array.from({ length: Math.min(RANGE_CONCURRENCY, ranges - 1) }, worker));
      } finally {
        await handle.close();
      }
    }
    await fs.rename(tmp, file);
    remember(key, file, size);
    return file;
  } finally {
    await fs.rm(tmp, { force: true });
  }
}

/** Keeps a file just uploaded to `location/path` as its local copy (the file is moved). */
export async function adoptLocalCopy(location: string, path: string, localFile: string): Promise<void> {
  const key = keyOf(location, path);
  const file = fileFor(key, path);
  try {
    const { size } = await fs.stat(localFile);
    await fs.rename(localFile, file);
    remember(key, file, size);
  } catch {
    // another device, or gone: the copy is only an optimisation
  }
}

/** The copies' folder and size, for tests and the benchmark. */
export function localCopiesState(): { files: number; bytes: number } {
  return { files: entries.size, bytes };
}

/** Forgets every local copy (a benchmark measures reads from the store itself). */
export function dropLocalCopies(): void {
  for (const e of entries.values()) rmSync(e.file, { force: true });
  entries.clear();
  bytes = 0;
}
