// `lakehouse demo` against a database that does not answer: the demo starts the local stack
// itself, so its advice is about the address, not about starting the stack.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import test from 'node:test';
import { projectRoot } from '../stack/paths.js';
import { testStack } from '../test/support/stack.js';

function demo(env: Record<string, string>, ...args: string[]) {
  return spawnSync(process.execPath, ['bin/lakehouse.js', 'demo', '--duration', '0', ...args], {
    cwd: projectRoot(),
    encoding: 'utf8',
    env: { ...process.env, LAKEHOUSE_CONFIG: '', ...env },
    timeout: 180_000,
  });
}

test('a DATABASE_URL elsewhere than the stack the demo started is named, with the way to use the stack', async () => {
  await testStack();
  const res = demo({ DATABASE_URL: 'postgres://someone:s3cret@127.0.0.1:9/shop' });
  assert.equal(res.status, 1, res.stderr);
  assert.match(res.stderr, /cannot connect to PostgreSQL at postgres:\/\/someone:\*\*\*@127\.0\.0\.1:9\/shop/);
  assert.match(res.stderr, /fix: +DATABASE_URL points to another server than the local stack the demo started .*unset DATABASE_URL/);
  assert.doesNotMatch(res.stderr, /s3cret/);
  assert.doesNotMatch(res.stderr, /lakehouse stack up/);
});

test('with --no-stack, the advice is to start that server or let the demo start the stack', () => {
  const res = demo({ DATABASE_URL: 'postgres://someone:s3cret@127.0.0.1:9/shop' }, '--no-stack');
  assert.equal(res.status, 1, res.stderr);
  assert.match(res.stderr, /fix: +start that server, or leave out --no-stack/);
});
