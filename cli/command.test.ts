// A mistyped command is answered with the command meant, when one is near enough.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import test from 'node:test';
import { projectRoot } from '../stack/paths.js';
import { closest } from './command.js';

test('an unknown command names the nearest one', () => {
  const res = spawnSync(process.execPath, ['bin/lakehouse.js', 'stauts'], { cwd: projectRoot(), encoding: 'utf8' });
  assert.equal(res.status, 1);
  assert.match(res.stderr, /^error: unknown command "stauts"; did you mean "status"\?\n {2}fix: +run 'lakehouse --help' to see the commands/);
  const sub = spawnSync(process.execPath, ['bin/lakehouse.js', 'table', 'scna'], { cwd: projectRoot(), encoding: 'utf8' });
  assert.match(sub.stderr, /unknown command "table scna"; did you mean "table scan"\?/);
});

test('nearest names: typos, swapped letters and prefixes, and nothing for a word far from all', () => {
  const names = ['demo', 'stack', 'run', 'cdc', 'bronze', 'silver', 'gold', 'export', 'status', 'generate', 'notify', 'table', 'quality', 'config'];
  assert.equal(closest('bronz', names), 'bronze');
  assert.equal(closest('sliver', names), 'silver');
  assert.equal(closest('gen', names), 'generate');
  assert.equal(closest('Statsu', names), 'status');
  assert.equal(closest('xyz', names), undefined);
  assert.equal(closest('deploy', names), undefined);
});
