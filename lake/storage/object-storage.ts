// A table's Storage on an object store. The store (s3.ts, azure.ts) makes single requests; this
// file gives them the Storage semantics the log needs: keys under the table's prefix, every
// request under the common retry policy (throttling, 5xx, dropped connections), put-if-absent that
// stays right when an attempt's answer was lost, and large files in parts.
//
// A lost answer matters for commits: if the first conditional PUT reached the store but its
// answer did not reach us, the retry finds the object there (412) although this writer created it.
// Taking that as "another writer won" would make an append rebase and commit its rows a second
// time. So after an attempt whose outcome is unknown, a refusal is checked against the object:
// the same bytes mean this writer's attempt won (a commit holds its own timestamp and file names,
// so two writers' commits never have the same bytes).

import { promises as fs } from 'node:fs';
import { UserError } from '../../common/errors.js';
import { withRetry, type Transient } from '../../common/retry.js';
import { adoptLocalCopy } from './local-copies.js';
import type { FileInfo, RequestCounts, RequestKind, Storage } from './storage.js';

export interface ObjectInfo {
  key: string;
  size: number;
  modified: number;
}

export interface ListPage {
  files: ObjectInfo[];
  /** Folder names directly under the prefix (delimited listings only). */
  folders: string[];
  next?: string;
}

/** One store's single requests; every method is one request (or a stream of one answer). */
export interface ObjectStore {
  /** "S3", "Azure Blob": for messages. */
  readonly kind: string;
  /** scheme://bucket-or-container, for messages (never holds credentials). */
  readonly base: string;
  readonly requests: RequestCounts;
  /** Files larger than this are uploaded in parts of this size. */
  readonly partSize: number;
  get(key: string, range?: { start: number; length: number }): Promise<Uint8Array | undefined>;
  head(key: string): Promise<ObjectInfo | undefined>;
  /** false when ifAbsent and the object exists. */
  put(key: string, body: Uint8Array, ifAbsent: boolean): Promise<boolean>;
  startParts(key: string): Promise<string>;
  putPart(key: string, upload: string, index: number, body: Uint8Array): Promise<string>;
  /** false when ifAbsent and the object exists. */
  finishParts(key: string, upload: string, parts: string[], ifAbsent: boolean): Promise<boolean>;
  abortParts(key: string, upload: string): Promise<void>;
  listPage(prefix: string, delimited: boolean, next: string | undefined): Promise<ListPage>;
  delete(key: string): Promise<void>;
  /** Whether a failed request may be tried again, and why (throttling, 5xx, network). */
  transient(e: unknown): Transient | undefined;
  /** Whether a failed request may have been carried out although it failed (no answer, a 500). */
  ambiguous(e: unknown): boolean;
  /** The error to show for a request that failed for good: what, where, what to do, no secrets. */
  explain(e: unknown, what: string, key: string): Error;
}

/** Parts uploaded at once for one file. */
const PART_CONCURRENCY = 4;

export class ObjectStorage implements Storage {
  readonly location: string;

  /** `prefix`: the table's key prefix in the store, without a trailing '/' ('' for the bucket's root). */
  constructor(
    private readonly store: ObjectStore,
    private readonly prefix: string,
  ) {
    this.location = prefix ? `${store.base}/${prefix}` : store.base;
  }

  get requests(): RequestCounts {
    return this.store.requests;
  }

  private key(path: string): string {
    const rel = path.replace(/^\/+/, '');
    return this.prefix ? (rel ? `${this.prefix}/${rel}` : `${this.prefix}/`) : rel;
  }

  private relative(key: string): string {
    return this.prefix ? key.slice(this.prefix.length + 1) : key;
  }

  /** One request under the retry policy; `onAmbiguous` learns that an attempt's outcome is unknown. */
  private request<T>(kind: RequestKind, what: string, key: string, fn: () => Promise<T>, onAmbiguous?: () => void): Promise<T> {
    const label = `${this.store.kind} ${what} ${this.store.base}/${key}`;
    return withRetry(
      async () => {
        this.store.requests.add(kind);
        try {
          return await fn();
        } catch (e) {
          if (onAmbiguous && this.store.ambiguous(e)) onAmbiguous();
          throw e;
        }
      },
      { what: label, transient: (e) => this.store.transient(e) },
    ).catch((e: unknown) => {
      throw e instanceof UserError ? e : this.store.explain(e, what, `${this.store.base}/${key}`);
    });
  }

  read(path: string): Promise<Uint8Array | undefined> {
    const key = this.key(path);
    return this.request('read', 'GET', key, () => this.store.get(key));
  }

  readRange(path: string, start: number, length: number): Promise<Uint8Array | undefined> {
    const key = this.key(path);
    if (length <= 0) return this.stat(path).then((s) => (s ? new Uint8Array(0) : undefined));
    return this.request('read', 'GET (range)', key, () => this.store.get(key, { start, length }));
  }

  async putIfAbsent(path: string, data: Uint8Array): Promise<boolean> {
    const key = this.key(path);
    let unknown = false;
    const created = await this.upload(key, data.length, async (start, length) => data.subarray(start, start + length), true, () => (unknown = true));
    if (created || !unknown) return created;
    // an attempt whose answer was lost may have been the one that created it
    const there = await this.read(path);
    return there !== undefined && Buffer.from(there).equals(Buffer.from(data));
  }

  async put(path: string, data: Uint8Array): Promise<void> {
    await this.upload(this.key(path), data.length, async (start, length) => data.subarray(start, start + length), false);
  }

  async putLocalFile(path: string, localFile: string): Promise<void> {
    const handle = await fs.open(localFile, 'r');
    try {
      const size = (await handle.stat()).size;
      const slice = async (start: number, length: number) => {
        const buf = Buffer.alloc(length);
        let got = 0;
        while (got < length) {
          const { bytesRead } = await handle.read(buf, got, length - got, start + got);
          if (bytesRead === 0) throw new Error(`${localFile} became shorter while it was uploaded`);
          got += bytesRead;
        }
        return buf;
      };
      await this.upload(this.key(path), size, slice, false);
    } finally {
      await handle.close();
    }
    // the file the Parquet engine just wrote is what a reader of this table asks for next
    await adoptLocalCopy(this.location, path, localFile);
  }

  /** One PUT, or the parts of a large body; true unless ifAbsent and the object exists. */
  private async upload(
    key: string,
    size: number,
    slice: (start: number, length: number) => Promise<Uint8Array>,
    ifAbsent: boolean,
    onAmbiguous?: () => void,
  ): Promise<boolean> {
    const partSize = this.store.partSize;
    if (size <= partSize) {
      const body = await slice(0, size);
      return this.request('write', ifAbsent ? 'PUT (if absent)' : 'PUT', key, () => this.store.put(key, body, ifAbsent), onAmbiguous);
    }
    const upload = await this.request('write', 'multipart start', key, () => this.store.startParts(key));
    try {
      const count = Math.ceil(size / partSize);
      const ids = new Array<string>(count);
      let next = 0;
      const worker = async () => {
        while (next < count) {
          const i = next++;
          const body = await slice(i * partSize, Math.min(partSize, size - i * partSize));
          ids[i] = await this.request('write', `part ${i + 1}/${count}`, key, () => this.store.putPart(key, upload, i, body));
        }
      };
      await Promise.all(Array.from({ length: Math.min(PART_CONCURRENCY, count) }, worker));
      return await this.request('write', ifAbsent ? 'multipart completion (if absent)' : 'multipart completion', key, () => this.store.finishParts(key, upload, ids, ifAbsent), onAmbiguous);
    } catch (e) {
      // parts of an upload that never completes cost storage until aborted
      await this.store.abortParts(key, upload).catch(() => undefined);
      throw e;
    }
  }

  async list(dir: string, opts: { recursive?: boolean } = {}): Promise<FileInfo[]> {
    const prefix = this.key(dir.replace(/\/+$/, '') ? `${dir.replace(/\/+$/, '')}/` : '');
    const out: FileInfo[] = [];
    let next: string | undefined;
    do {
      const page: ListPage = await this.request('list', 'LIST', prefix, () => this.store.listPage(prefix, !opts.recursive, next));
      for (const f of page.files) {
        // zero-byte "folder" markers some tools create are not files
        if (f.key.endsWith('/')) continue;
        out.push({ path: this.relative(f.key), size: f.size, modified: f.modified });
      }
      next = page.next;
    } while (next);
    return out;
  }

  async listFolders(dir: string): Promise<string[]> {
    const prefix = this.key(dir.replace(/\/+$/, '') ? `${dir.replace(/\/+$/, '')}/` : '');
    const out: string[] = [];
    let next: string | undefined;
    do {
      const page: ListPage = await this.request('list', 'LIST', prefix, () => this.store.listPage(prefix, true, next));
      out.push(...page.folders);
      next = page.next;
    } while (next);
    return out;
  }

  async stat(path: string): Promise<FileInfo | undefined> {
    const key = this.key(path);
    const info = await this.request('stat', 'HEAD', key, () => this.store.head(key));
    return info && { path, size: info.size, modified: info.modified };
  }

  async delete(path: string): Promise<void> {
    const key = this.key(path);
    await this.request('delete', 'DELETE', key, () => this.store.delete(key));
  }

  localPath(): undefined {
    return undefined;
  }
}

/** The folder name of a delimited listing's common prefix ("a/b/c/" under "a/b/" is "c"). */
export function folderOf(prefix: string, commonPrefix: string): string {
  return commonPrefix.slice(prefix.length).replace(/\/+$/, '');
}
