// The actions of the Delta log, as they appear in commit files (one JSON object per line) and in
// checkpoint rows. Field names follow PROTOCOL.md exactly; unknown fields are kept and written
// back untouched, because other engines put things there that we must not drop.

import { UserError } from '../../common/errors.js';

export interface Protocol {
  minReaderVersion: number;
  minWriterVersion: number;
  readerFeatures?: string[] | null;
  writerFeatures?: string[] | null;
}

export interface Metadata {
  id: string;
  name?: string | null;
  description?: string | null;
  format: { provider: string; options: Record<string, string> };
  schemaString: string;
  partitionColumns: string[];
  configuration: Record<string, string>;
  createdTime?: number | null;
}

export interface Add {
  path: string;
  partitionValues: Record<string, string | null>;
  size: number;
  modificationTime: number;
  dataChange: boolean;
  stats?: string | null;
  tags?: Record<string, string | null> | null;
  deletionVector?: unknown;
  [extra: string]: unknown;
}

export interface Remove {
  path: string;
  deletionTimestamp?: number | null;
  dataChange: boolean;
  extendedFileMetadata?: boolean | null;
  partitionValues?: Record<string, string | null> | null;
  size?: number | null;
  stats?: string | null;
  tags?: Record<string, string | null> | null;
  deletionVector?: unknown;
  [extra: string]: unknown;
}

export interface Txn {
  appId: string;
  version: number;
  lastUpdated?: number | null;
}

export interface CommitInfo {
  timestamp?: number;
  operation?: string;
  operationParameters?: Record<string, unknown>;
  [extra: string]: unknown;
}

export type Action =
  | { add: Add }
  | { remove: Remove }
  | { metaData: Metadata }
  | { protocol: Protocol }
  | { txn: Txn }
  | { commitInfo: CommitInfo }
  | { cdc: Record<string, unknown> }
  | { domainMetadata: { domain: string; configuration: string; removed: boolean } }
  | { [other: string]: unknown };

export function isAdd(a: Action): a is { add: Add } {
  return (a as { add?: unknown }).add != null;
}
export function isRemove(a: Action): a is { remove: Remove } {
  return (a as { remove?: unknown }).remove != null;
}
export function isMetadata(a: Action): a is { metaData: Metadata } {
  return (a as { metaData?: unknown }).metaData != null;
}
export function isProtocol(a: Action): a is { protocol: Protocol } {
  return (a as { protocol?: unknown }).protocol != null;
}
export function isTxn(a: Action): a is { txn: Txn } {
  return (a as { txn?: unknown }).txn != null;
}
export function isCommitInfo(a: Action): a is { commitInfo: CommitInfo } {
  return (a as { commitInfo?: unknown }).commitInfo != null;
}

/** Parses a commit file; a line that is not a JSON object is a corrupt log, said with where. */
export function parseCommit(text: string, where: string): Action[] {
  const actions: Action[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      throw corrupt(where, i + 1, (e as Error).message);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw corrupt(where, i + 1, 'not a JSON object');
    actions.push(value as Action);
  }
  if (actions.length === 0) throw corrupt(where, 1, 'the commit file is empty');
  return actions;
}

function corrupt(where: string, line: number, why: string): UserError {
  return new UserError(`corrupt Delta commit file: line ${line}: ${why}`, {
    where,
    fix: 'restore the file from a backup; a commit file is never rewritten, so nothing here can repair it safely',
  });
}

export function serializeCommit(actions: Action[]): string {
  return actions.map((a) => JSON.stringify(a)).join('\n') + '\n';
}

/** Canonical key of a data file: add/remove paths are URIs, so compare them decoded. */
export function fileKey(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

export function commitFileName(version: number): string {
  return `_delta_log/${String(version).padStart(20, '0')}.json`;
}

export function checkpointFileName(version: number): string {
  return `_delta_log/${String(version).padStart(20, '0')}.checkpoint.parquet`;
}
