// `lakehouse table` as a user types it from the shell: a path from the current folder into the
// lake root names the same table as the path relative to the root, a missing table says where
// paths are looked for, and history prints a header over its columns.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import test from 'node:test';
import { projectRoot } from '../stack/paths.js';

const FIXTURES = join('test', 'fixtures');
const ROOT = join(FIXTURES, 'delta-conformance');

function table(...args: string[]) {
  return spawnSync(process.execPath, ['bin/lakehouse.js', 'table', ...args], { cwd: projectRoot(), encoding: 'utf8', env: { ...process.env, LAKEHOUSE_CONFIG: '' } });
}

test('a table path from here into the lake root names the same table as one relative to the root', () => {
  const fromRoot = table('scan', 'delta-0.8.0', '--root', ROOT);
  assert.equal(fromRoot.status, 0, fromRoot.stderr);
  assert.ok(fromRoot.stdout.trim().length > 0);
  for (const path of [join(ROOT, 'delta-0.8.0'), `./${join(ROOT, 'delta-0.8.0')}`, join(projectRoot(), ROOT, 'delta-0.8.0')]) {
    const fromHere = table('scan', path, '--root', ROOT);
    assert.equal(fromHere.status, 0, `${path}: ${fromHere.stderr}`);
    assert.equal(fromHere.stdout, fromRoot.stdout, path);
  }
});

test('a missing table says that paths are relative to the lake root', () => {
  const res = table('history', 'gold/nope', '--root', ROOT);
  assert.equal(res.status, 1);
  assert.match(res.stderr, /no Delta table at .*gold\/nope/);
  assert.match(res.stderr, /fix: +table paths are relative to the lake root test\/fixtures\/delta-conformance/);
});

test('table history prints a header over its columns', () => {
  const res = table('history', 'delta-0.8.0', '--root', ROOT);
  assert.equal(res.status, 0, res.stderr);
  const [header, ...rows] = res.stdout.trimEnd().split('\n');
  assert.match(header!, /^version +timestamp +operation +parameters$/);
  assert.ok(rows.length > 0);
  for (const r of rows) assert.match(r, /^\d+ +\d{4}-\d\d-\d\dT[\d:.]+Z +\S/);
});
