// Writers in separate processes sharing one table: put-if-absent commits mean nobody's commit is
// lost, and kill -9 at any moment (during a commit or a checkpoint) leaves a table both readers open.

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { projectRoot } from '../stack/paths.js';
import { DeltaTable } from './index.js';
import { canonicalRows, deltalakeRead, sortRows } from './testing/deltalake-oracle.js';
import { tempLake } from './testing/tmp.js';

const WORKER = join(projectRoot(), 'lake', 'testing', 'append-worker.ts');
const COLUMNS = [
  { name: 'app', type: 'string' as const },
  { name: 'batch', type: 'long' as const },
  { name: 'item', type: 'integer' as const },
  { name: 'payload', type: 'string' as const },
];

function worker(root: string, appId: string, batches: number, perBatch: number): { child: ChildProcess; done: Promise<{ code: number | null; signal: string | null; out: string; err: string }> } {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, root, 't', appId, String(batches), String(perBatch)], { cwd: projectRoot(), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const done = new Promise<{ code: number | null; signal: string | null; out: string; err: string }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, out, err })));
  return { child, done };
}

test('two processes appending 100 commits each: 200 commits, no row lost', async (t) => {
  const root = tempLake(t);
  await DeltaTable.create(root, 't', { columns: COLUMNS });
  const [a, b] = [worker(root, 'writer-a', 100, 3), worker(root, 'writer-b', 100, 3)];
  const results = await Promise.all([a.done, b.done]);
  for (const r of results) assert.equal(r.code, 0, r.err);
  const table = await DeltaTable.open(root, 't');
  assert.equal(table.version, 200, 'create + 200 appends');
  assert.equal(table.txnVersion('writer-a'), 99);
  assert.equal(table.txnVersion('writer-b'), 99);
  const rows = await table.rows();
  assert.equal(rows.length, 600);
  const seen = new Set(rows.map((r) => r.payload));
  assert.equal(seen.size, 600, 'every row once');
  const [theirs] = deltalakeRead([{ path: table.location }]);
  assert.equal(theirs!.version, 200);
  assert.deepEqual(sortRows(theirs!.rows!), canonicalRows(rows, table.schema));
  // both histories interleave: each writer's commits are spread, not serialized in blocks
  const ops = (await table.history()).filter((h) => h.operation === 'WRITE');
  assert.equal(ops.length, 200);
});

test('kill -9 during commits and checkpoints leaves a table both readers open, and resuming writes each batch once', async (t) => {
  const root = tempLake(t);
  // a checkpoint after every commit, so kills land inside checkpoints too
  await DeltaTable.create(root, 't', { columns: COLUMNS, configuration: { 'delta.checkpointInterval': '1' } });
  const BATCHES = 60;
  for (const delay of [400, 650, 900, 1200]) {
    const w = worker(root, 'bronze-0', BATCHES, 4);
    await new Promise((r) => setTimeout(r, delay));
    w.child.kill('SIGKILL');
    await w.done;
    const table = await DeltaTable.open(root, 't');
    const rows = await table.rows();
    const [theirs] = deltalakeRead([{ path: table.location }]);
    assert.equal(theirs!.error, undefined, `deltalake opens the table after kill -9 at ${delay} ms`);
    assert.equal(theirs!.version, table.version);
    assert.deepEqual(sortRows(theirs!.rows!), canonicalRows(rows, table.schema));
    // every committed batch is whole
    const perBatch = new Map<bigint, number>();
    for (const r of rows) perBatch.set(r.batch as bigint, (perBatch.get(r.batch as bigint) ?? 0) + 1);
    for (const [batch, n] of perBatch) assert.equal(n, 4, `batch ${batch} complete`);
  }
  const last = worker(root, 'bronze-0', BATCHES, 4);
  const r = await last.done;
  assert.equal(r.code, 0, r.err);
  const table = await DeltaTable.open(root, 't');
  const rows = await table.rows();
  assert.equal(rows.length, BATCHES * 4, 'each batch exactly once after the crashes');
  assert.equal(new Set(rows.map((x) => x.payload)).size, BATCHES * 4);
  assert.equal(table.txnVersion('bronze-0'), BATCHES - 1);
});
