#!/usr/bin/env node
// Runs every *.test.ts in the project (or the files/folders given) with node's test runner.
// Node 20's runner does not expand globs, so the files are listed here.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const SKIP = new Set(['node_modules', '.stack', '.git', 'dist', '.lake', 'lakehouse-data', '.scratch', '.bench', 'demo-output']);
function find(path, out) {
  const st = statSync(path);
  if (st.isFile()) {
    if (path.endsWith('.test.ts')) out.push(path);
    return out;
  }
  for (const entry of readdirSync(path)) if (!SKIP.has(entry)) find(join(path, entry), out);
  return out;
}
const roots = process.argv.slice(2);
const files = (roots.length ? roots : ['.']).flatMap((r) => find(r, [])).sort();
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
const res = spawnSync(
  process.execPath,
  // --test-force-exit: a test that timed out can leave a broker client or a timer behind, which
  // would keep its file's process, and with it the whole run, alive for ever.
  ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-force-exit', '--test-timeout=900000', '--test-reporter=spec', ...files],
  { stdio: 'inherit', env: { LOG_LEVEL: 'warn', ...process.env, LAKEHOUSE_TEST: '1' } },
);
process.exit(res.status ?? 1);
