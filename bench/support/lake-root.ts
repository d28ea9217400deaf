// Where a benchmark puts its lake: a new temporary folder (the default); `versitygw`, a private S3
// server started for the run (the lake at s3://bench/lake-<id>); or any lake root (a folder or an
// s3:// / az:// URL, whose settings come from the usual AWS_* / AZURE_* variables), under which the
// run uses a new prefix and removes it afterwards.

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isObjectStoreRoot, rootStorage } from '../../lake/index.js';
import { createBucket, startVersitygw } from '../../stack/versitygw.js';

export interface BenchLake {
  root: string;
  /** What to tell a reader of the figures: "a local folder", "versitygw v1.8.0 on loopback", ... */
  where: string;
  /** Variables a child process needs to reach the lake. */
  env: Record<string, string>;
  remove(): Promise<void>;
}

export async function benchLake(arg: string | undefined): Promise<BenchLake> {
  const id = randomBytes(4).toString('hex');
  if (!arg) {
    const dir = mkdtempSync(join(tmpdir(), 'lake-bench-'));
    return { root: dir, where: 'a local folder', env: {}, remove: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  if (arg === 'versitygw') {
    const server = await startVersitygw({ say: (m) => process.stderr.write(`${m}\n`) });
    Object.assign(process.env, server.env);
    await createBucket(server, 'bench');
    return { root: `s3://bench/lake-${id}`, where: 'S3 (versitygw v1.8.0 on loopback, posix backend)', env: server.env, remove: () => server.stop() };
  }
  const root = `${arg.replace(/\/+$/, '')}/bench-${id}`;
  const remote = isObjectStoreRoot(root);
  return {
    root,
    where: remote ? arg : 'a local folder',
    env: {},
    remove: async () => {
      if (!remote) return rmSync(root, { recursive: true, force: true });
      const storage = rootStorage(root);
      for (const f of await storage.list('', { recursive: true })) await storage.delete(f.path);
    },
  };
}
