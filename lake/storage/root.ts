// A lake root names where the lake lives: a local folder (the default), `s3://bucket/prefix`
// (Amazon S3 and S3-compatible stores; `s3a://` too, as Spark writes it), or Azure Blob / ADLS
// Gen2 as `az://container/prefix` or `abfss://container@account.dfs.core.windows.net/prefix`.
// This file turns a root and a table path into the table's Storage, refusing table paths that
// would leave the root, and keeps one client per bucket or container for the whole process.

import { UserError } from '../../common/errors.js';
import { AzureStore } from './azure.js';
import { LocalStorage } from './local.js';
import { ObjectStorage, type ObjectStore } from './object-storage.js';
import { resolveTablePath } from './paths.js';
import { S3Store } from './s3.js';
import { RequestCounts, type Storage } from './storage.js';
import { resolve } from 'node:path';

export type LakeRoot =
  | { kind: 'local'; dir: string }
  | { kind: 's3'; bucket: string; prefix: string }
  | { kind: 'azure'; container: string; account: string | undefined; prefix: string };

const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;

/** What a lake root string names; a URL of an unknown scheme, or with credentials in it, is refused. */
export function parseLakeRoot(root: string): LakeRoot {
  const scheme = SCHEME.exec(root)?.[1]?.toLowerCase();
  if (!scheme) return { kind: 'local', dir: root };
  if (scheme === 'file') return { kind: 'local', dir: decodeURIComponent(new URL(root).pathname) };
  let url: URL;
  try {
    url = new URL(root);
  } catch {
    throw badRoot(root, 'it is not a valid URL');
  }
  if (scheme === 'abfss' || scheme === 'abfs') {
    // abfss://container@account.dfs.core.windows.net/prefix: the userinfo part is the container
    const m = /^abfss?:\/\/([^@/:]+)@([^./]+)\.(?:dfs|blob)\.[^/]+(\/[^?#]*)?$/i.exec(root);
    if (!m) throw badRoot(root, 'an abfss:// root is abfss://container@account.dfs.core.windows.net/prefix');
    return { kind: 'azure', container: m[1]!, account: m[2]!, prefix: keyPrefix(root, m[3] ?? '') };
  }
  if (url.username || url.password) {
    throw new UserError('the lake root holds credentials', {
      where: `lake root ${scheme}://${url.host.replace(/^.*@/, '')}${url.pathname}`,
      fix: 'remove them from the URL; S3 takes AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, Azure AZURE_STORAGE_ACCOUNT_KEY or AZURE_STORAGE_CONNECTION_STRING',
    });
  }
  if (url.search || url.hash) throw badRoot(root, 'it has a query or fragment');
  const prefix = keyPrefix(root, url.pathname);
  if (scheme === 's3' || scheme === 's3a') {
    if (!url.hostname) throw badRoot(root, 'it names no bucket');
    return { kind: 's3', bucket: url.hostname, prefix };
  }
  if (scheme === 'az' || scheme === 'azure' || scheme === 'adl') {
    if (!url.hostname) throw badRoot(root, 'it names no container');
    return { kind: 'azure', container: url.hostname, account: undefined, prefix };
  }
  throw badRoot(root, `the scheme ${scheme}:// is not one the lake supports`);
}

function keyPrefix(root: string, pathname: string): string {
  const parts: string[] = [];
  for (const seg of decodeURIComponent(pathname).split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') throw badRoot(root, 'its path holds ".."');
    parts.push(seg);
  }
  return parts.join('/');
}

function badRoot(root: string, why: string): UserError {
  return new UserError(`the lake root ${root.replace(/\/\/[^/@]*@/, '//***@')} cannot be used: ${why}`, {
    where: 'lake.root (LAKE_ROOT or --root)',
    fix: 'give a folder, s3://bucket/prefix, az://container/prefix or abfss://container@account.dfs.core.windows.net/prefix',
  });
}

/** Whether the root is an object store (a table's files are not local files there). */
export function isObjectStoreRoot(root: string): boolean {
  return parseLakeRoot(root).kind !== 'local';
}

/** The root for messages: a folder as an absolute path, a URL as given (never with credentials). */
export function describeLakeRoot(root: string): string {
  const r = parseLakeRoot(root);
  return r.kind === 'local' ? resolve(r.dir) : root;
}

const stores = new Map<string, ObjectStore>();
const localCounts = new Map<string, RequestCounts>();

function storeOf(r: Exclude<LakeRoot, { kind: 'local' }>): ObjectStore {
  const id = r.kind === 's3' ? `s3:${r.bucket}` : `azure:${r.account ?? ''}:${r.container}`;
  let store = stores.get(id);
  if (!store) {
    store = r.kind === 's3' ? new S3Store(r.bucket) : new AzureStore(r.container, r.account);
    stores.set(id, store);
  }
  return store;
}

/** The Storage of the table at `tablePath` inside the lake `root`; throws a UserError if it would leave the root. */
export function tableStorage(root: string, tablePath: string): Storage {
  const r = parseLakeRoot(root);
  if (r.kind === 'local') {
    const dir = resolve(r.dir);
    let counts = localCounts.get(dir);
    if (!counts) localCounts.set(dir, (counts = new RequestCounts()));
    return new LocalStorage(resolveTablePath(dir, tablePath), counts);
  }
  const rel = relativeKey(root, tablePath);
  return new ObjectStorage(storeOf(r), [r.prefix, rel].filter(Boolean).join('/'));
}

/** The Storage of the lake root itself (to find its tables). */
export function rootStorage(root: string): Storage {
  return tableStorage(root, '');
}

/** A table path as a key suffix: '/'-separated, no '..', not absolute. */
function relativeKey(root: string, tablePath: string): string {
  const refuse = (why: string) =>
    new UserError(`table path "${tablePath}" is not inside the lake root: ${why}`, {
      where: `lake root ${root}`,
      fix: 'give a path relative to the lake root (LAKE_ROOT or --root), without ".."',
    });
  if (tablePath.includes('\0')) throw refuse('it contains a NUL byte');
  if (tablePath.startsWith('/') || SCHEME.test(tablePath)) throw refuse('it is absolute');
  const parts: string[] = [];
  for (const seg of tablePath.split(/[\\/]/)) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') throw refuse('it resolves outside the lake root');
    parts.push(seg);
  }
  return parts.join('/');
}
