// `npm test`: everything the tests need, then the tests. On a fresh Debian machine it installs
// what is missing (the stack's PostgreSQL, JRE and Maven; promtool, Prometheus and Chromium for the
// monitoring and report tests; pip's deltalake and pyarrow for the Delta oracle: stack/provision.ts;
// versitygw, the S3 test server, built with Go into ~/.cache/lakehouse: stack/versitygw.ts),
// starts the local stack if it is not running, type-checks, runs every *.test.ts (or the files and
// folders given) with node's test runner, drops what the run's tests left on the stack, and stops
// the stack again if it started it.
//
//   npm test                       everything (type check included)
//   npm test -- cdc lake/bronze    the tests under these folders or files
//
// LAKEHOUSE_NO_INSTALL=1 reports what is missing instead of installing it; LAKEHOUSE_KEEP_STACK=1
// leaves a stack this run started running.

import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { isUserError } from '../common/errors.js';
import { projectRoot } from '../stack/paths.js';
import { portOpen } from '../stack/process.js';
import { provision, provisionPython, STACK_NEEDS, TEST_NEEDS } from '../stack/provision.js';
import { defaultStack, stackDown, stackEnv, stackUp } from '../stack/stack.js';
import { ensureVersitygw } from '../stack/versitygw.js';
import { recordRun, sweepEndedRuns, sweepRun, type Swept } from '../test/support/sweep.js';

const SKIP = new Set(['node_modules', '.stack', '.git', 'dist', '.lake', 'lakehouse-data', '.scratch', '.bench', 'demo-output', 'quality-report']);
const say = (line: string) => process.stderr.write(`test: ${line}\n`);

function find(path: string, out: string[]): string[] {
  const st = statSync(path);
  if (st.isFile()) {
    if (path.endsWith('.test.ts')) out.push(path);
    return out;
  }
  for (const entry of readdirSync(path)) if (!SKIP.has(entry)) find(join(path, entry), out);
  return out;
}

function describe(swept: Swept): string {
  const parts = Object.entries(swept).filter(([, v]) => v.length > 0).map(([k, v]) => `${v.length} ${k}`);
  return parts.join(', ');
}

async function main(): Promise<number> {
  const root = projectRoot();
  process.chdir(root);
  const roots = process.argv.slice(2);
  const files = (roots.length ? roots : ['.']).flatMap((r) => find(r, [])).sort();
  if (files.length === 0) {
    say(`no test files under ${roots.join(' ')}`);
    return 1;
  }

  provision([...STACK_NEEDS, ...TEST_NEEDS], say);
  provisionPython(say);
  // the S3 server of the object-storage tests, built once into ~/.cache/lakehouse
  ensureVersitygw(say);

  const stack = defaultStack();
  const wasUp = (await portOpen(stack.pgPort)) && (await portOpen(stack.kafkaPort));
  await stackUp(stack, say);
  const env = stackEnv(stack);
  const tag = randomBytes(3).toString('hex');
  recordRun(stack.dir, tag, process.pid);
  const earlier = await sweepEndedRuns(env, stack.dir);
  if (describe(earlier)) say(`dropped what earlier test runs left on the stack: ${describe(earlier)}`);

  let status = 0;
  try {
    if (roots.length === 0) {
      say('type check (tsc --noEmit)');
      const tsc = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json', '--noEmit'], { stdio: 'inherit' });
      if (tsc.status !== 0) return tsc.status ?? 1;
    }
    say(`${files.length} test files${roots.length ? ` under ${roots.map((r) => relative(root, r) || '.').join(' ')}` : ''} (run ${tag})`);
    const res = spawnSync(
      process.execPath,
      // --test-force-exit: a test that timed out can leave a broker client or a timer behind, which
      // would keep its file's process, and with it the whole run, alive for ever.
      ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-force-exit', '--test-timeout=900000', '--test-reporter=spec', ...files],
      { stdio: 'inherit', env: { LOG_LEVEL: 'warn', ...process.env, LAKEHOUSE_TEST: '1', LAKEHOUSE_TEST_RUN: tag } },
    );
    status = res.status ?? 1;
  } finally {
    const swept = await sweepRun(env, stack.dir, tag).catch((e: unknown) => {
      say(`could not drop what this run left on the stack: ${(e as Error).message}`);
      return undefined;
    });
    if (swept && describe(swept)) say(`dropped what this run's tests left: ${describe(swept)}`);
    if (!wasUp && process.env.LAKEHOUSE_KEEP_STACK !== '1') {
      say('stopping the stack this run started (LAKEHOUSE_KEEP_STACK=1 keeps it)');
      await stackDown(stack, say);
    }
  }
  return status;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(isUserError(e) ? `${e.describe()}\n` : `test: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exit(1);
  },
);
