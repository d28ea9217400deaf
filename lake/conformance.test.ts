// Tables written by Spark and delta-rs (test/fixtures/delta-conformance, from ../shared) read by our reader exactly as
// deltalake reads them: every version in the log, rows, schema, partition columns and files.

import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { projectRoot } from '../stack/paths.js';
import { UserError } from '../common/errors.js';
import { DeltaTable } from './index.js';
import { listLog } from './kernel/log.js';
import { LocalStorage } from './storage/local.js';
import { canonicalRows, deltalakeRead, sortRows, type ReadRequest } from './testing/deltalake-oracle.js';

// A copy of ../shared/delta-conformance kept in the project, so a checkout alone runs the tests.
const DIR = join(projectRoot(), 'test', 'fixtures', 'delta-conformance');

test('every conformance table reads as deltalake reads it, at every version', async () => {
  assert.ok(existsSync(DIR), `conformance tables expected at ${DIR}`);
  const names = readdirSync(DIR).filter((n) => existsSync(join(DIR, n, '_delta_log')));
  assert.ok(names.length >= 10, 'the conformance folder holds the delta-rs test tables');
  const requests: ReadRequest[] = [];
  for (const name of names) {
    const listing = await listLog(new LocalStorage(join(DIR, name)));
    const versions = [...listing.commits.keys(), ...listing.checkpoints.map((c) => c.version)];
    const latest = Math.max(...versions);
    for (let v = Math.min(...versions); v <= latest; v++) requests.push({ path: join(DIR, name), version: v });
  }
  const theirs = deltalakeRead(requests);
  // where deltalake cannot read the rows (data files not shipped), compare the log's view instead
  const retry: Array<ReadRequest | undefined> = requests.map((r, i) => (theirs[i]!.error ? { ...r, rows: false } : undefined));
  const logOnly = deltalakeRead(retry.filter((r): r is ReadRequest => r !== undefined));
  let compared = 0;
  let rowsCompared = 0;
  for (const [i, req] of requests.entries()) {
    const label = `${req.path.slice(DIR.length + 1)}@${req.version}`;
    const expected = theirs[i]!.error ? logOnly.shift()! : theirs[i]!;
    if (expected.error) {
      await assert.rejects(DeltaTable.open(DIR, req.path, { version: req.version! }), UserError, `${label}: deltalake refuses it (${expected.error}), so must we`);
      continue;
    }
    const table = await DeltaTable.open(DIR, req.path, { version: req.version! });
    assert.equal(table.version, expected.version, `${label}: version`);
    assert.deepEqual(table.partitionColumns, expected.partitionColumns, `${label}: partition columns`);
    assert.deepEqual(
      table.schema.fields.map((f) => [f.name, f.type, f.nullable]),
      expected.schema.fields.map((f) => [f.name, f.type, f.nullable]),
      `${label}: schema`,
    );
    assert.deepEqual(table.files().map((a) => decodeURIComponent(a.path)).sort(), expected.files, `${label}: data files`);
    if (expected.rows) {
      assert.deepEqual(canonicalRows(await table.rows(), table.schema), sortRows(expected.rows), `${label}: rows`);
      rowsCompared++;
    } else {
      await assert.rejects(table.rows(), /missing/, `${label}: a data file is missing, reading says so`);
    }
    compared++;
  }
  assert.ok(compared >= 30, `compared ${compared} table versions`);
  assert.ok(rowsCompared >= 25, `compared rows of ${rowsCompared} table versions`);
});

test('a checkpoint is found without _last_checkpoint, and with it', async () => {
  const without = await DeltaTable.open(DIR, 'with_checkpoint_no_last_checkpoint');
  const withHint = await DeltaTable.open(DIR, 'simple_table_with_checkpoint');
  const listing = await listLog(new LocalStorage(join(DIR, 'with_checkpoint_no_last_checkpoint')));
  assert.equal(existsSync(join(DIR, 'with_checkpoint_no_last_checkpoint', '_delta_log', '_last_checkpoint')), false);
  assert.ok(listing.checkpoints.length > 0);
  assert.equal(without.version, 3);
  assert.equal(withHint.version, 10);
  assert.equal((await withHint.rows()).length, 11);
});
