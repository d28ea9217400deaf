// The gold tables are Delta tables other engines read: after a full computation, incremental
// merges, progress-only commits, checkpoints and compaction, Python deltalake (delta-rs) reads
// every gold table, at every version, with the rows and schema ours reads.

import assert from 'node:assert/strict';
import test from 'node:test';
import { DeltaTable } from '../index.js';
import { canonicalRows, deltalakeRead, sortRows } from '../testing/deltalake-oracle.js';
import { tempLake } from '../testing/tmp.js';
import { goldPath } from './model.js';
import { GOLD_MODELS } from './models.js';
import { defaultRules, goldEngine } from './testing/gold-harness.js';
import { SilverFixture } from './testing/silver-fixture.js';
import { SilverWorkload } from './testing/silver-workload.js';

test('deltalake reads every gold table, at every version, as ours does', async (t) => {
  const root = tempLake(t, 'gold-deltalake-');
  const workload = new SilverWorkload(new SilverFixture(root), 99);
  await workload.seed(25, 6);
  // small files and compaction after every refresh once 3 small files gathered, so MERGE and OPTIMIZE commits are in the logs
  const engine = goldEngine(root, defaultRules(), { rowsPerFile: 400, compaction: { minFiles: 3, intervalMs: 0 } });
  await engine.start();
  for (let i = 0; i < 25; i++) {
    await workload.step();
    await engine.refresh();
  }
  for (const model of GOLD_MODELS) {
    const table = await DeltaTable.open(root, goldPath(model));
    const ops = new Set((await table.history()).map((h) => h.operation));
    const theirs = deltalakeRead(Array.from({ length: table.version + 1 }, (_, v) => ({ path: table.location, version: v })));
    for (let v = 0; v <= table.version; v++) {
      const ours = await DeltaTable.open(root, goldPath(model), { version: v });
      const th = theirs[v]!;
      assert.equal(th.error, undefined, `${model.name} v${v}: ${th.error}`);
      assert.deepEqual(th.schema.fields.map((f) => [f.name, f.type]), ours.schema.fields.map((f) => [f.name, f.type]), `${model.name} v${v} schema`);
      assert.deepEqual(sortRows(th.rows!), canonicalRows(await ours.rows(), ours.schema), `${model.name} v${v} rows`);
    }
    t.diagnostic(`${model.name}: ${table.version + 1} versions (${[...ops].join(', ')})`);
    if (model.name !== 'kpis') assert.ok(ops.has('MERGE'), `${model.name} was merged into incrementally`);
  }
});
