// Committing: the next version's file is created only if absent, so of two writers racing for a
// version exactly one wins. The loser reads what won and decides, as delta-rs and Spark do
// (WriteSerializable isolation): an append that read nothing rebases on top and tries the next
// version; an operation that read or removed a file that the winner removed fails, because its
// result was computed from rows that no longer exist. A new schema or protocol underneath any
// operation fails it too. Retries are bounded.

import { logger } from '../../common/log.js';
import { UserError } from '../../common/errors.js';
import type { Storage } from '../storage/storage.js';
import {
  commitFileName,
  fileKey,
  isAdd,
  isMetadata,
  isProtocol,
  isRemove,
  isTxn,
  parseCommit,
  serializeCommit,
  type Action,
  type CommitInfo,
} from './actions.js';
import { writeCheckpoint } from './checkpoint.js';
import { tableConfig } from './config.js';
import type { Snapshot } from './snapshot.js';

const log = logger('lake');

export interface PreparedCommit {
  operation: string;
  operationParameters?: Record<string, unknown>;
  operationMetrics?: Record<string, unknown>;
  /** add, remove, txn, metaData, protocol: everything but commitInfo. */
  actions: Action[];
  /** Files (log paths) the operation read to compute its result. */
  readFiles?: Iterable<string>;
  /** An append that read nothing: safe to rebase on any concurrent commit but a schema change. */
  blindAppend: boolean;
}

export interface CommitOptions {
  /** How many times to rebase on concurrent commits before giving up (default 100). */
  maxRetries?: number;
  /** Write a checkpoint when the version is a multiple of this (default: table property or 10). */
  checkpointInterval?: number;
  engineInfo?: string;
}

export class ConcurrentModificationError extends UserError {
  constructor(
    message: string,
    readonly version: number,
    where: string,
  ) {
    super(message, { where, fix: 'read the table again and redo the operation; appends are retried automatically, this was not one' });
    this.name = 'ConcurrentModificationError';
  }
}

export const ENGINE_INFO = 'lakehouse-lake/0.1';

/**
 * Commits on top of `snapshot`, which is advanced in place to the new version (and past the
 * concurrent commits that were rebased over). Returns the committed version.
 */
export async function commit(storage: Storage, snapshot: Snapshot, prepared: PreparedCommit, opts: CommitOptions = {}): Promise<number> {
  const maxRetries = opts.maxRetries ?? 100;
  const readVersion = snapshot.version;
  const read = new Set([...(prepared.readFiles ?? [])].map(fileKey));
  const removed = new Set(prepared.actions.filter(isRemove).map((a) => fileKey(a.remove.path)));
  const ourTxns = new Set(prepared.actions.filter(isTxn).map((a) => a.txn.appId));
  const changesMetadata = prepared.actions.some((a) => isMetadata(a) || isProtocol(a));
  const started = Date.now();
  let version = snapshot.version + 1;
  for (let attempt = 0; ; attempt++) {
    const now = Date.now();
    const info: CommitInfo = {
      timestamp: now,
      operation: prepared.operation,
      operationParameters: prepared.operationParameters ?? {},
      ...(readVersion >= 0 ? { readVersion } : {}),
      isolationLevel: 'WriteSerializable',
      isBlindAppend: prepared.blindAppend,
      operationMetrics: { ...(prepared.operationMetrics ?? {}), num_retries: attempt, execution_time_ms: now - started },
      engineInfo: opts.engineInfo ?? ENGINE_INFO,
    };
    const body = serializeCommit([{ commitInfo: info }, ...prepared.actions]);
    if (await storage.putIfAbsent(commitFileName(version), Buffer.from(body))) {
      snapshot.apply(version, prepared.actions, now);
      break;
    }
    if (version === 0) {
      throw new UserError('a table already exists here (another writer created it first)', { where: storage.location });
    }
    if (attempt >= maxRetries) {
      throw new ConcurrentModificationError(`gave up committing after ${maxRetries} retries: other writers kept committing first`, version, storage.location);
    }
    // read every commit that won, check it against ours, and move past it
    for (;;) {
      const bytes = await storage.read(commitFileName(version));
      if (!bytes) break;
      const where = `${storage.location}/${commitFileName(version)}`;
      const winner = parseCommit(Buffer.from(bytes).toString('utf8'), where);
      checkConflicts(winner, version, where, { read, removed, ourTxns, changesMetadata, blindAppend: prepared.blindAppend });
      snapshot.apply(version, winner);
      version++;
    }
    await sleep(Math.min(200, 2 ** Math.min(attempt, 7)) * Math.random());
  }
  const interval = opts.checkpointInterval ?? tableConfig(snapshot.metadata).checkpointInterval;
  if (version > 0 && version % interval === 0) {
    try {
      await writeCheckpoint(storage, snapshot);
    } catch (e) {
      // the commit stands; readers replay the JSON commits until the next checkpoint
      log.warn('checkpoint failed', { table: storage.location, version, error: e as Error });
    }
  }
  return version;
}

interface Ours {
  read: Set<string>;
  removed: Set<string>;
  ourTxns: Set<string>;
  changesMetadata: boolean;
  blindAppend: boolean;
}

function checkConflicts(winner: Action[], version: number, where: string, ours: Ours): void {
  const fail = (why: string): never => {
    throw new ConcurrentModificationError(`concurrent commit ${version} conflicts with this one: ${why}`, version, where);
  };
  for (const a of winner) {
    if (isMetadata(a)) fail('it changed the table metadata (schema, partitioning or properties)');
    if (isProtocol(a)) fail('it changed the table protocol');
    if (isTxn(a) && ours.ourTxns.has(a.txn.appId)) fail(`it committed a batch for the same application id "${a.txn.appId}"`);
    if (isRemove(a)) {
      const key = fileKey(a.remove.path);
      if (ours.removed.has(key)) fail(`it already removed ${key}, which this commit removes too`);
      if (ours.read.has(key)) fail(`it removed ${key}, which this operation read`);
    }
    if (isAdd(a) && ours.changesMetadata) fail('it added data while this commit changes the metadata');
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
