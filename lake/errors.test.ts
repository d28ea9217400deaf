// Bad input gets a clear error and changes nothing: a missing table, a corrupt commit file, an
// unsupported protocol or feature, a path that leaves the lake root.

import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { spawnSync } from 'node:child_process';
import { UserError } from '../common/errors.js';
import { projectRoot } from '../stack/paths.js';
import { DeltaTable } from './index.js';
import { deltalakeRead } from './testing/deltalake-oracle.js';
import { tempLake } from './testing/tmp.js';

// A copy of ../shared/delta-conformance kept in the project, so a checkout alone runs the tests.
const CONFORMANCE = join(projectRoot(), 'test', 'fixtures', 'delta-conformance');
const COLUMNS = [{ name: 'id', type: 'long' as const }, { name: 'v', type: 'string' as const }];

function snapshotDir(dir: string): string {
  return JSON.stringify(readdirSync(dir, { recursive: true }).map(String).sort());
}

test('a missing table: a clear error, nothing created', async (t) => {
  const root = tempLake(t);
  const err = await DeltaTable.open(root, 'no/such/table').catch((e: unknown) => e);
  assert.ok(err instanceof UserError);
  assert.match(err.message, /no Delta table at .*no\/such\/table/);
  assert.match(err.fix ?? '', /create the table first/);
  assert.equal(existsSync(join(root, 'no')), false);
});

test('openIfExists: undefined for a missing table (nothing created), the table once it exists, and still refuses paths outside the root', async (t) => {
  const root = tempLake(t);
  assert.equal(await DeltaTable.openIfExists(root, 'no/such/table'), undefined);
  assert.equal(existsSync(join(root, 'no')), false);
  await DeltaTable.create(root, 'no/such/table', { columns: COLUMNS });
  assert.equal((await DeltaTable.openIfExists(root, 'no/such/table'))?.version, 0);
  const err = await DeltaTable.openIfExists(root, '../elsewhere').catch((e: unknown) => e);
  assert.ok(err instanceof UserError);
  assert.match(err.message, /not inside the lake root/);
});

test('a corrupt commit file: a clear error naming the file and line, the file untouched', async (t) => {
  const root = tempLake(t);
  cpSync(join(CONFORMANCE, 'simple_table'), join(root, 'copy'), { recursive: true });
  const commit = join(root, 'copy', '_delta_log', '00000000000000000004.json');
  const original = readFileSync(commit, 'utf8');
  const broken = original.split('\n').map((l, i) => (i === 1 ? l.slice(0, 25) : l)).join('\n');
  writeFileSync(commit, broken);
  const before = snapshotDir(join(root, 'copy'));
  const err = await DeltaTable.open(root, 'copy').catch((e: unknown) => e);
  assert.ok(err instanceof UserError, String(err));
  assert.match(err.message, /corrupt Delta commit file: line 2/);
  assert.match(err.where ?? '', /00000000000000000004\.json$/);
  assert.equal(readFileSync(commit, 'utf8'), broken);
  assert.equal(snapshotDir(join(root, 'copy')), before);
  // older versions do not need that commit and still read
  assert.equal((await DeltaTable.open(root, 'copy', { version: 3 })).version, 3);
  // and deltalake refuses the latest version too
  assert.ok(deltalakeRead([{ path: join(root, 'copy') }])[0]!.error);
});

test('unsupported reader versions and features are refused by name; writes to unknown writer features too', async (t) => {
  const root = tempLake(t);
  const table = await DeltaTable.create(root, 'dv', { columns: COLUMNS });
  await table.append([{ id: 1n, v: 'a' }]);
  const log = join(root, 'dv', '_delta_log');
  writeFileSync(join(log, '00000000000000000002.json'), JSON.stringify({ protocol: { minReaderVersion: 3, minWriterVersion: 7, readerFeatures: ['deletionVectors'], writerFeatures: ['deletionVectors'] } }) + '\n');
  const err = await DeltaTable.open(root, 'dv').catch((e: unknown) => e);
  assert.ok(err instanceof UserError);
  assert.match(err.message, /reader feature\(s\) deletionVectors/);
  writeFileSync(join(log, '00000000000000000003.json'), JSON.stringify({ protocol: { minReaderVersion: 4, minWriterVersion: 7 } }) + '\n');
  await assert.rejects(DeltaTable.open(root, 'dv'), /reader version 4/);
  assert.equal((await DeltaTable.open(root, 'dv', { version: 1 })).version, 1, 'versions before the upgrade still read');

  const w = await DeltaTable.create(root, 'rt', { columns: COLUMNS });
  writeFileSync(join(root, 'rt', '_delta_log', '00000000000000000001.json'), JSON.stringify({ protocol: { minReaderVersion: 1, minWriterVersion: 7, writerFeatures: ['rowTracking'] } }) + '\n');
  await w.refresh();
  const before = snapshotDir(join(root, 'rt'));
  await assert.rejects(w.append([{ id: 2n, v: 'b' }]), /writer feature\(s\) rowTracking/);
  assert.equal(snapshotDir(join(root, 'rt')), before, 'no data file, no commit');
  assert.deepEqual(await w.rows(), [], 'reading is fine');
});

test('paths that leave the lake root are refused before anything is touched', async (t) => {
  const root = tempLake(t);
  const outside = tempLake(t, 'lake-outside-');
  mkdirSync(join(root, 'lake'));
  symlinkSync(outside, join(root, 'lake', 'escape'));
  const lake = join(root, 'lake');
  for (const bad of ['../elsewhere', 'a/../../x', outside, '/etc', 'escape/t']) {
    const err = await DeltaTable.create(lake, bad, { columns: COLUMNS }).catch((e: unknown) => e);
    assert.ok(err instanceof UserError, `${bad}: ${String(err)}`);
    assert.match(err.message, /not inside the lake root/);
  }
  assert.deepEqual(readdirSync(outside), []);
  assert.deepEqual(readdirSync(root).sort(), ['lake']);
  // inside is fine, absolute or relative
  await DeltaTable.create(lake, join(lake, 'ok'), { columns: COLUMNS });
  assert.equal((await DeltaTable.open(lake, 'ok')).version, 0);
});

test('the CLI prints the same errors and exits 1', () => {
  const res = spawnSync(process.execPath, ['bin/lakehouse.js', 'table', 'scan', '../x', '--root', CONFORMANCE], { cwd: projectRoot(), encoding: 'utf8' });
  assert.equal(res.status, 1);
  assert.match(res.stderr, /error: table path "..\/x" is not inside the lake root/);
  const missing = spawnSync(process.execPath, ['bin/lakehouse.js', 'table', 'history', 'nope', '--root', CONFORMANCE], { cwd: projectRoot(), encoding: 'utf8' });
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /no Delta table at/);
});

test('rows that do not fit the schema are refused and nothing is committed', async (t) => {
  const root = tempLake(t);
  const table = await DeltaTable.create(root, 't', { columns: [{ name: 'id', type: 'long', nullable: false }, { name: 'n', type: 'integer' }] });
  await assert.rejects(table.append([{ id: 1n, extra: 'x' }]), /column\(s\) the table does not have: extra/);
  await assert.rejects(table.append([{ id: null }]), /not nullable/);
  await assert.rejects(table.append([{ id: 1n, n: 'many' }]), /not a valid integer/);
  await assert.rejects(table.append([{ id: 1n, n: 2 ** 40 }]), /does not fit/);
  assert.equal((await table.refresh()).version, 0);
});
