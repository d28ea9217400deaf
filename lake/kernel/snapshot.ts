// A snapshot is the table at one version: log replay from the newest usable checkpoint plus the
// commits after it. Later actions win; a remove turns an add into a tombstone that vacuum keeps
// until the retention period has passed.

import { UserError } from '../../common/errors.js';
import type { Storage } from '../storage/storage.js';
import {
  fileKey,
  isAdd,
  isCommitInfo,
  isMetadata,
  isProtocol,
  isRemove,
  isTxn,
  type Action,
  type Add,
  type CommitInfo,
  type Metadata,
  type Protocol,
  type Remove,
  type Txn,
} from './actions.js';
import { listLog, readCheckpoint, readCommit, type LogListing } from './log.js';
import { checkReadable } from './protocol.js';
import { parseSchema, type StructType } from './schema.js';

export interface SnapshotOptions {
  /** Table version to load (default: the latest). */
  version?: number;
  /** Load the latest version committed at or before this time. */
  timestamp?: Date | string | number;
}

export class Snapshot {
  version = -1;
  protocol: Protocol | undefined;
  metadata: Metadata | undefined;
  readonly files = new Map<string, Add>();
  readonly tombstones = new Map<string, Remove>();
  readonly txns = new Map<string, Txn>();
  /** Commit timestamps of the versions replayed since the checkpoint. */
  readonly timestamps = new Map<number, number>();
  private schemaCache: { text: string; schema: StructType } | undefined;

  constructor(readonly location: string) {}

  get schema(): StructType {
    const text = this.requireMetadata().schemaString;
    if (this.schemaCache?.text !== text) this.schemaCache = { text, schema: parseSchema(text) };
    return this.schemaCache.schema;
  }

  get partitionColumns(): string[] {
    return this.requireMetadata().partitionColumns ?? [];
  }

  requireMetadata(): Metadata {
    if (!this.metadata) throw new UserError(`the Delta log has no metaData action at version ${this.version}`, { where: this.location });
    return this.metadata;
  }

  /** Applies one version's actions (replay and after our own commits). */
  apply(version: number, actions: Iterable<Action>, timestamp?: number): void {
    for (const a of actions) {
      if (isAdd(a)) {
        const key = fileKey(a.add.path);
        this.files.set(key, a.add);
        this.tombstones.delete(key);
      } else if (isRemove(a)) {
        const key = fileKey(a.remove.path);
        this.files.delete(key);
        this.tombstones.set(key, a.remove);
      } else if (isMetadata(a)) {
        this.metadata = a.metaData;
      } else if (isProtocol(a)) {
        this.protocol = a.protocol;
      } else if (isTxn(a)) {
        this.txns.set(a.txn.appId, a.txn);
      } else if (isCommitInfo(a) && timestamp === undefined && typeof a.commitInfo.timestamp === 'number') {
        timestamp = a.commitInfo.timestamp;
      }
    }
    this.version = version;
    if (timestamp !== undefined) this.timestamps.set(version, timestamp);
  }

  clone(): Snapshot {
    const s = new Snapshot(this.location);
    s.version = this.version;
    s.protocol = this.protocol;
    s.metadata = this.metadata;
    for (const [k, v] of this.files) s.files.set(k, v);
    for (const [k, v] of this.tombstones) s.tombstones.set(k, v);
    for (const [k, v] of this.txns) s.txns.set(k, v);
    return s;
  }

  /**
   * The latest version, read as the commits after this snapshot when they are all there (a
   * follower polling a table reads only what is new), else loaded from the newest checkpoint.
   * This snapshot is left as it is.
   */
  async advance(storage: Storage): Promise<Snapshot> {
    const listing = await listLog(storage);
    const latest = latestVersion(listing);
    if (latest === this.version) return this;
    if (latest < this.version || !hasCommitsBetween(listing, this.version + 1, latest)) return Snapshot.load(storage);
    const next = this.clone();
    await applyCommits(storage, listing, next, this.version + 1, latest);
    if (!next.protocol) throw new UserError(`the Delta log has no protocol action at version ${latest}`, { where: storage.location });
    checkReadable(next.protocol, next.metadata, storage.location);
    return next;
  }

  static async load(storage: Storage, opts: SnapshotOptions = {}): Promise<Snapshot> {
    const listing = await listLog(storage);
    const target = resolveTarget(storage, listing, opts);
    const snapshot = await replay(storage, listing, target);
    if (!snapshot.protocol) throw new UserError(`the Delta log has no protocol action at version ${target}`, { where: storage.location });
    checkReadable(snapshot.protocol, snapshot.metadata, storage.location);
    snapshot.requireMetadata();
    return snapshot;
  }
}

function latestVersion(listing: LogListing): number {
  let v = -1;
  for (const k of listing.commits.keys()) v = Math.max(v, k);
  for (const c of listing.checkpoints) v = Math.max(v, c.version);
  return v;
}

export function noTable(location: string): UserError {
  return new UserError(`no Delta table at ${location}`, {
    where: `${location}/_delta_log`,
    fix: 'check the path (it must be the table folder, the one holding _delta_log), or create the table first',
  });
}

function resolveTarget(storage: Storage, listing: LogListing, opts: SnapshotOptions): number {
  const latest = latestVersion(listing);
  if (latest < 0) throw noTable(storage.location);
  if (opts.version !== undefined) {
    if (!Number.isInteger(opts.version) || opts.version < 0) throw new UserError(`version must be a non-negative integer, got ${opts.version}`);
    if (opts.version > latest) throw new UserError(`the table has no version ${opts.version}: the latest is ${latest}`, { where: storage.location });
    return opts.version;
  }
  if (opts.timestamp !== undefined) {
    const t = opts.timestamp instanceof Date ? opts.timestamp.getTime() : typeof opts.timestamp === 'number' ? opts.timestamp : Date.parse(opts.timestamp);
    if (Number.isNaN(t)) throw new UserError(`not a timestamp: ${String(opts.timestamp)}`, { fix: 'use ISO-8601, e.g. 2024-11-14T10:00:00Z' });
    // PROTOCOL.md: without in-commit timestamps a commit's time is its file's modification time
    let best = -1;
    for (const [v, f] of listing.commits) if (f.modified <= t && v > best) best = v;
    if (best < 0) {
      throw new UserError(`the table has no version at or before ${new Date(t).toISOString()}`, { where: storage.location, fix: 'use a later timestamp; see `lakehouse table history`' });
    }
    return best;
  }
  return latest;
}

async function replay(storage: Storage, listing: LogListing, target: number): Promise<Snapshot> {
  const usable = listing.checkpoints.filter((c) => c.version <= target).reverse();
  for (const cp of usable) {
    let actions: Action[];
    try {
      actions = await readCheckpoint(storage, cp);
    } catch {
      continue; // a torn or unreadable checkpoint: an older one, or the commits, still hold the state
    }
    if (!hasCommitsBetween(listing, cp.version + 1, target)) continue;
    const s = new Snapshot(storage.location);
    s.apply(cp.version, actions);
    const cpCommit = listing.commits.get(cp.version);
    if (cpCommit) s.timestamps.set(cp.version, cpCommit.modified);
    await applyCommits(storage, listing, s, cp.version + 1, target);
    return s;
  }
  if (!listing.commits.has(0)) {
    const first = Math.min(...listing.commits.keys());
    throw new UserError(`cannot load version ${target}: the log starts at version ${Number.isFinite(first) ? first : '?'} and no checkpoint covers the versions before it`, {
      where: storage.location,
      fix: 'load a later version; older ones were cleaned from the log',
    });
  }
  if (!hasCommitsBetween(listing, 0, target)) {
    throw new UserError(`the Delta log is missing a commit between 0 and ${target}`, { where: `${storage.location}/_delta_log` });
  }
  const s = new Snapshot(storage.location);
  await applyCommits(storage, listing, s, 0, target);
  return s;
}

function hasCommitsBetween(listing: LogListing, from: number, to: number): boolean {
  for (let v = from; v <= to; v++) if (!listing.commits.has(v)) return false;
  return true;
}

async function applyCommits(storage: Storage, listing: LogListing, s: Snapshot, from: number, to: number): Promise<void> {
  const BATCH = 32;
  for (let start = from; start <= to; start += BATCH) {
    const versions = Array.from({ length: Math.min(BATCH, to - start + 1) }, (_, i) => start + i);
    const commits = await Promise.all(versions.map((v) => readCommit(storage, v, listing.commits.get(v))));
    versions.forEach((v, i) => s.apply(v, commits[i]!, listing.commits.get(v)?.modified));
  }
}

/** Reads the commitInfo of each version, newest first. */
export async function readHistory(storage: Storage, limit?: number): Promise<Array<{ version: number; timestamp: number; commitInfo: CommitInfo }>> {
  const listing = await listLog(storage);
  const versions = [...listing.commits.keys()].sort((a, b) => b - a).slice(0, limit ?? Infinity);
  if (versions.length === 0 && latestVersion(listing) < 0) throw noTable(storage.location);
  const out = [];
  for (const v of versions) {
    const info = listing.commits.get(v)!;
    const actions = await readCommit(storage, v, info);
    const ci = actions.find(isCommitInfo)?.commitInfo ?? {};
    out.push({ version: v, timestamp: info.modified, commitInfo: ci });
  }
  return out;
}
