// Local file system storage. Put-if-absent is link(2): the commit is written whole to a private
// temporary name, then hard-linked to its final name, which fails with EEXIST when another writer
// got there first. Unlike open(O_EXCL) + write, a reader never sees a half-written commit.

import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { RequestCounts, type FileInfo, type Storage } from './storage.js';

export class LocalStorage implements Storage {
  constructor(
    readonly location: string,
    readonly requests = new RequestCounts(),
  ) {}

  private abs(path: string): string {
    return join(this.location, ...path.split('/'));
  }

  async read(path: string): Promise<Uint8Array | undefined> {
    this.requests.add('read');
    try {
      return await fs.readFile(this.abs(path));
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw e;
    }
  }

  async readRange(path: string, start: number, length: number): Promise<Uint8Array | undefined> {
    this.requests.add('read');
    let handle;
    try {
      handle = await fs.open(this.abs(path), 'r');
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw e;
    }
    try {
      const buf = Buffer.alloc(length);
      let got = 0;
      while (got < length) {
        const { bytesRead } = await handle.read(buf, got, length - got, start + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      return buf.subarray(0, got);
    } finally {
      await handle.close();
    }
  }

  private async writeTemp(path: string, data: Uint8Array): Promise<string> {
    const final = this.abs(path);
    await fs.mkdir(dirname(final), { recursive: true });
    const tmp = join(dirname(final), `.${randomUUID()}.tmp`);
    const handle = await fs.open(tmp, 'wx');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    return tmp;
  }

  async putIfAbsent(path: string, data: Uint8Array): Promise<boolean> {
    this.requests.add('write');
    const tmp = await this.writeTemp(path, data);
    try {
      await fs.link(tmp, this.abs(path));
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw e;
    } finally {
      await fs.rm(tmp, { force: true });
    }
  }

  async put(path: string, data: Uint8Array): Promise<void> {
    this.requests.add('write');
    const tmp = await this.writeTemp(path, data);
    try {
      await fs.rename(tmp, this.abs(path));
    } catch (e) {
      await fs.rm(tmp, { force: true });
      throw e;
    }
  }

  async putLocalFile(path: string, localFile: string): Promise<void> {
    this.requests.add('write');
    const final = this.abs(path);
    await fs.mkdir(dirname(final), { recursive: true });
    try {
      await fs.rename(localFile, final);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
      // another device: copy beside the target first, so the final name still appears atomically
      const tmp = join(dirname(final), `.${randomUUID()}.tmp`);
      try {
        await fs.copyFile(localFile, tmp);
        await fs.rename(tmp, final);
      } finally {
        await fs.rm(tmp, { force: true });
        await fs.rm(localFile, { force: true });
      }
    }
  }

  async list(dir: string, opts: { recursive?: boolean } = {}): Promise<FileInfo[]> {
    this.requests.add('list');
    const base = this.abs(dir);
    const out: FileInfo[] = [];
    const walk = async (abs: string): Promise<void> => {
      let entries;
      try {
        entries = await fs.readdir(abs, { withFileTypes: true });
      } catch (e) {
        if (isMissing(e) || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return;
        throw e;
      }
      for (const entry of entries) {
        const child = join(abs, entry.name);
        if (entry.isDirectory()) {
          if (opts.recursive) await walk(child);
          continue;
        }
        if (!entry.isFile()) continue;
        const st = await fs.stat(child).catch((e: unknown) => (isMissing(e) ? undefined : Promise.reject(e)));
        if (!st) continue;
        out.push({ path: relative(this.location, child).split(sep).join('/'), size: st.size, modified: Math.floor(st.mtimeMs) });
      }
    };
    await walk(base);
    return out;
  }

  async listFolders(dir: string): Promise<string[]> {
    this.requests.add('list');
    try {
      const entries = await fs.readdir(this.abs(dir), { withFileTypes: true });
      return entries.filter((e) => e.isDirectory()).map((e) => e.name);
    } catch (e) {
      if (isMissing(e) || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
      throw e;
    }
  }

  async stat(path: string): Promise<FileInfo | undefined> {
    this.requests.add('stat');
    try {
      const st = await fs.stat(this.abs(path));
      return { path, size: st.size, modified: Math.floor(st.mtimeMs) };
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw e;
    }
  }

  async delete(path: string): Promise<void> {
    this.requests.add('delete');
    await fs.rm(this.abs(path), { force: true });
  }

  localPath(path: string): string {
    return this.abs(path);
  }
}

function isMissing(e: unknown): boolean {
  return (e as NodeJS.ErrnoException)?.code === 'ENOENT';
}
