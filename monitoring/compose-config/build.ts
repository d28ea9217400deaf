// Builds monitoring/compose-config (compose-go's loader as a command) with Go, once per version of
// its source: the binary is cached under ~/.cache/lakehouse (or $XDG_CACHE_HOME/lakehouse), named
// by a hash of the source, so a second test run, or CI's second run on the same machine, does not
// build again (a cold build fetches compose-go from the Go module proxy and takes about 20 s here).

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SOURCE = dirname(fileURLToPath(import.meta.url));

export function cacheDir(): string {
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'lakehouse');
}

export function composeConfigTool(): string {
  const hash = createHash('sha256');
  for (const f of ['main.go', 'go.mod', 'go.sum']) hash.update(readFileSync(join(SOURCE, f)));
  const bin = join(cacheDir(), `compose-config-${hash.digest('hex').slice(0, 12)}`);
  if (existsSync(bin)) return bin;
  mkdirSync(cacheDir(), { recursive: true });
  const tmp = `${bin}.${process.pid}.tmp`;
  const res = spawnSync('go', ['build', '-o', tmp, '.'], { cwd: SOURCE, encoding: 'utf8', env: { ...process.env, GOTOOLCHAIN: 'local' } });
  if (res.error) throw new Error(`go is not installed (${res.error.message})`);
  if (res.status !== 0) throw new Error(`go build failed: ${res.stderr.trim().split('\n').slice(-5).join(' | ')}`);
  renameSync(tmp, bin);
  return bin;
}
