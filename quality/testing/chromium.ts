// Headless Chromium (Debian's `chromium` package) for the report test: one run per call, a fresh
// profile each time, nothing fetched from the network.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CANDIDATES = ['chromium', 'chromium-browser', 'google-chrome'];

export function chromiumBinary(): string {
  for (const c of [process.env.CHROMIUM, ...CANDIDATES].filter(Boolean) as string[]) {
    if (spawnSync('sh', ['-c', `command -v ${c}`]).status === 0) return c;
  }
  throw new Error('headless Chromium is needed for the report test: install Debian\'s `chromium` package (.ci/run does), or set CHROMIUM to its path');
}

export function runChromium(args: string[], timeoutMs = 90_000): { stdout: string; stderr: string } {
  const profile = mkdtempSync(join(tmpdir(), 'chromium-profile-'));
  try {
    const res = spawnSync(
      chromiumBinary(),
      ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--hide-scrollbars', `--user-data-dir=${profile}`, ...args],
      { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
    );
    if (res.error) throw res.error;
    if (res.status !== 0) throw new Error(`chromium exited with ${res.status}: ${res.stderr}`);
    return { stdout: res.stdout, stderr: res.stderr };
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}
