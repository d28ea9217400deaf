// The _delta_log folder: which commits and checkpoints exist, and reading them. The log is the
// table; data files are only what its actions point at.

import { UserError } from '../../common/errors.js';
import { readCheckpointFiles } from '../parquet/checkpoint-file.js';
import type { FileInfo, Storage } from '../storage/storage.js';
import { parseCommit, type Action } from './actions.js';
import { cachedLocal } from './fetch.js';

export interface CheckpointRef {
  version: number;
  files: FileInfo[];
}

export interface LogListing {
  commits: Map<number, FileInfo>;
  /** Complete checkpoints (every part present), newest last. */
  checkpoints: CheckpointRef[];
}

const COMMIT = /^(\d{20})\.json$/;
const SINGLE = /^(\d{20})\.checkpoint\.parquet$/;
const MULTI = /^(\d{20})\.checkpoint\.(\d{10})\.(\d{10})\.parquet$/;

export async function listLog(storage: Storage): Promise<LogListing> {
  const files = await storage.list('_delta_log');
  const commits = new Map<number, FileInfo>();
  const single = new Map<number, FileInfo>();
  const multi = new Map<string, FileInfo[]>();
  for (const f of files) {
    const name = f.path.slice(f.path.lastIndexOf('/') + 1);
    let m = COMMIT.exec(name);
    if (m) {
      commits.set(Number(m[1]), f);
      continue;
    }
    m = SINGLE.exec(name);
    if (m) {
      single.set(Number(m[1]), f);
      continue;
    }
    m = MULTI.exec(name);
    if (m) {
      const key = `${Number(m[1])}/${Number(m[3])}`;
      multi.set(key, [...(multi.get(key) ?? []), f]);
    }
  }
  const checkpoints: CheckpointRef[] = [...single.entries()].map(([version, f]) => ({ version, files: [f] }));
  for (const [key, parts] of multi) {
    const [version, total] = key.split('/').map(Number) as [number, number];
    if (parts.length === total) checkpoints.push({ version, files: parts.sort((a, b) => a.path.localeCompare(b.path)) });
  }
  checkpoints.sort((a, b) => a.version - b.version);
  return { commits, checkpoints };
}

export async function readCommit(storage: Storage, version: number, info?: FileInfo): Promise<Action[]> {
  const path = info?.path ?? `_delta_log/${String(version).padStart(20, '0')}.json`;
  const bytes = await storage.read(path);
  if (!bytes) throw new UserError(`the Delta log has no commit ${version}`, { where: `${storage.location}/${path}` });
  return parseCommit(Buffer.from(bytes).toString('utf8'), `${storage.location}/${path}`);
}

export async function readCheckpoint(storage: Storage, ref: CheckpointRef): Promise<Action[]> {
  const locals = await Promise.all(ref.files.map((f) => cachedLocal(storage, f.path)));
  return readCheckpointFiles(locals);
}

export interface LastCheckpoint {
  version: number;
  size?: number;
  parts?: number;
  sizeInBytes?: number;
  numOfAddFiles?: number;
}

export async function readLastCheckpoint(storage: Storage): Promise<LastCheckpoint | undefined> {
  const bytes = await storage.read('_delta_log/_last_checkpoint');
  if (!bytes) return undefined;
  try {
    const v = JSON.parse(Buffer.from(bytes).toString('utf8')) as LastCheckpoint;
    return Number.isInteger(v.version) ? v : undefined;
  } catch {
    return undefined; // a torn hint is only a hint: the listing finds the checkpoints
  }
}
