// The operations as a streaming bronze writer and the silver merger will use them: txn-based
// deduplication, merge by key with deletes, conflicts between writers, compaction beside appends,
// vacuum's retention, checkpoints, and scans that skip files.

import assert from 'node:assert/strict';
import { readdirSync, rmSync, truncateSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConcurrentModificationError, DeltaTable, LocalStorage, type Row } from './index.js';
import { canonicalRows, deltalakeRead, sortRows } from './testing/deltalake-oracle.js';
import { tempLake } from './testing/tmp.js';

const COLUMNS = [
  { name: 'id', type: 'long' as const, nullable: false },
  { name: 'name', type: 'string' as const },
  { name: 'qty', type: 'integer' as const },
  { name: 'ingest_date', type: 'date' as const },
];
const rowsOf = (from: number, n: number, date = '2024-11-14'): Row[] => Array.from({ length: n }, (_, i) => ({ id: BigInt(from + i), name: `n${from + i}`, qty: from + i, ingest_date: date }));

test('txn: a batch at or below the committed version is skipped, a newer one is written', async (t) => {
  const root = tempLake(t);
  const table = await DeltaTable.create(root, 'bronze', { columns: COLUMNS, partitionBy: ['ingest_date'] });
  assert.equal(table.txnVersion('orders-0'), undefined);
  const first = await table.append(rowsOf(0, 10), { txn: [{ appId: 'orders-0', version: 9 }] });
  assert.equal(first.skipped, false);
  assert.equal(table.txnVersion('orders-0'), 9);
  for (const version of [9, 5, 0]) {
    const again = await table.append(rowsOf(0, 10), { txn: [{ appId: 'orders-0', version }] });
    assert.equal(again.skipped, true, `version ${version} <= 9 is a replay`);
  }
  await table.append(rowsOf(10, 5), { txn: [{ appId: 'orders-0', version: 14 }, { appId: 'orders-1', version: 3 }] });
  await assert.rejects(table.append(rowsOf(20, 1), { txn: [{ appId: 'orders-0', version: 14 }, { appId: 'orders-1', version: 4 }] }), /part of this batch is already committed/);
  // a fresh reader of the table sees the same progress (it is in the log, not in memory)
  const reopened = await DeltaTable.open(root, 'bronze');
  assert.equal(reopened.txnVersion('orders-0'), 14);
  assert.equal(reopened.txnVersion('orders-1'), 3);
  assert.equal((await reopened.rows()).length, 15);
});

test('merge by key: updates, inserts and deletes in one commit, last change per key wins; deltalake agrees', async (t) => {
  const root = tempLake(t);
  const silver = await DeltaTable.create(root, 'silver', { columns: [{ name: 'id', type: 'long', nullable: false }, { name: 'name', type: 'string' }, { name: 'qty', type: 'integer' }] });
  await silver.append(rowsOf(0, 100).map(({ ingest_date, ...r }) => r));
  await silver.append(rowsOf(100, 100).map(({ ingest_date, ...r }) => r));
  const before = silver.version;
  const changes: Row[] = [
    { id: 5n, name: 'five', qty: 5, op: 'u' },
    { id: 150, name: 'gone', qty: 0, op: 'd' },
    { id: 300, name: 'new', qty: 300, op: 'c' },
    { id: 7, name: 'seven-1', qty: 7, op: 'u' },
    { id: 7, name: 'seven-2', qty: 77, op: 'u' },
    { id: 301, name: 'born and died', qty: 1, op: 'c' },
    { id: 301, name: 'born and died', qty: -1, op: 'd' },
  ];
  const res = await silver.merge(changes.map(({ op, ...r }) => r), { keys: ['id'], isDelete: (r) => changes.find((c) => c.id === r.id && c.name === r.name && c.qty === r.qty)!.op === 'd' });
  assert.equal(silver.version, before + 1, 'one commit');
  assert.deepEqual([res.rowsUpdated, res.rowsInserted, res.rowsDeleted], [2, 1, 1]);
  assert.equal(res.filesRemoved, 2, 'only the two files holding matched keys are rewritten');
  const rows = await silver.rows();
  const byId = new Map(rows.map((r) => [r.id, r]));
  assert.equal(rows.length, 200);
  assert.equal(byId.get(5n)!.name, 'five');
  assert.equal(byId.get(7n)!.qty, 77);
  assert.equal(byId.has(150n), false);
  assert.equal(byId.get(300n)!.name, 'new');
  assert.equal(byId.has(301n), false);
  const [theirs] = deltalakeRead([{ path: silver.location }]);
  assert.deepEqual(sortRows(theirs!.rows!), canonicalRows(rows, silver.schema));
  // files that cannot hold a source key (by their id range) are neither read nor rewritten
  const res2 = await silver.merge([{ id: 150n, name: 'back', qty: 1 }, { id: 20n, name: 'twenty', qty: 20 }], { keys: ['id'] });
  assert.deepEqual([res2.rowsInserted, res2.rowsUpdated, res2.filesRemoved], [1, 1, 1]);
  assert.equal((await silver.rows({ filters: [{ column: 'id', op: '=', value: 150 }] }))[0]!.name, 'back');
  assert.equal((await silver.rows()).length, 201);
});

test('a delete that read a file another writer removed fails; blind appends rebase', async (t) => {
  const root = tempLake(t);
  const a = await DeltaTable.create(root, 't', { columns: COLUMNS });
  await a.append(rowsOf(0, 10));
  const b = await DeltaTable.open(root, 't');
  await a.delete([{ column: 'qty', op: '<', value: 3 }]);
  const err = await b.delete([{ column: 'qty', op: '>', value: 7 }]).catch((e: unknown) => e);
  assert.ok(err instanceof ConcurrentModificationError, String(err));
  assert.match(err.message, /conflicts with this one: it (already )?removed part-/);
  await b.refresh();
  assert.deepEqual((await b.rows()).map((r) => r.qty).sort((x, y) => Number(x) - Number(y)), [3, 4, 5, 6, 7, 8, 9]);
  // b is stale again; an append from a stale handle still lands on top
  const c = await DeltaTable.open(root, 't');
  await a.append(rowsOf(100, 1));
  const res = await c.append(rowsOf(200, 1));
  assert.equal(res.version, a.version + 1);
  assert.equal((await (await DeltaTable.open(root, 't')).rows()).length, 9);
});

test('optimize compacts with dataChange=false and does not fail appends committed beside it', async (t) => {
  const root = tempLake(t);
  const table = await DeltaTable.create(root, 't', { columns: COLUMNS, partitionBy: ['ingest_date'] });
  for (let i = 0; i < 6; i++) await table.append(rowsOf(i * 10, 10, i % 2 ? '2024-11-14' : '2024-11-15'));
  const appender = await DeltaTable.open(root, 't');
  // an append lands after optimize read the table and before it commits
  const optimizer = await DeltaTable.open(root, 't');
  await appender.append(rowsOf(1000, 3));
  const res = await optimizer.optimize();
  assert.equal(res.filesRemoved, 6);
  assert.equal(res.filesAdded, 2, 'one file per partition');
  // and an append from a handle that has not seen the optimize
  await appender.append(rowsOf(2000, 3));
  const latest = await DeltaTable.open(root, 't');
  assert.equal((await latest.rows()).length, 66);
  const h = await latest.history(2);
  assert.equal(h[1]!.operation, 'OPTIMIZE');
  const log = readdirSync(join(root, 't', '_delta_log')).filter((f) => f.endsWith('.json')).sort();
  const optimizeCommit = (await new LocalStorage(join(root, 't')).read(`_delta_log/${log[log.length - 2]}`))!.toString();
  assert.ok(optimizeCommit.includes('"dataChange":false'));
  assert.ok(!optimizeCommit.includes('"dataChange":true'));
  const [theirs] = deltalakeRead([{ path: latest.location }]);
  assert.equal(theirs!.rows!.length, 66);
});

test('vacuum keeps what retained versions need, removes the rest, and honours dry run', async (t) => {
  const root = tempLake(t);
  const table = await DeltaTable.create(root, 't', { columns: COLUMNS });
  await table.append(rowsOf(0, 5));
  await table.append(rowsOf(5, 5));
  const old = table.files().map((a) => a.path).sort();
  await table.overwrite(rowsOf(100, 3));
  await assert.rejects(table.vacuum({ retentionHours: 0 }), /shorter than the table's/);
  assert.deepEqual((await table.vacuum()).files, [], 'default retention: nothing is old enough');
  const dry = await table.vacuum({ retentionHours: 0, enforceRetention: false, dryRun: true, now: Date.now() + 1000 });
  assert.deepEqual(dry.files, old);
  assert.equal((await (await table.at({ version: 2 })).rows()).length, 10, 'dry run deleted nothing');
  // files removed less than the retention ago are kept even when old on disk
  for (const f of old) utimesSync(join(root, 't', f), new Date(2000, 0, 1), new Date(2000, 0, 1));
  assert.deepEqual((await table.vacuum({ retentionHours: 1, enforceRetention: false })).files, []);
  const done = await table.vacuum({ retentionHours: 0, enforceRetention: false, now: Date.now() + 1000 });
  assert.deepEqual(done.files, old);
  assert.equal((await table.rows()).length, 3);
  const [theirs] = deltalakeRead([{ path: table.location }]);
  assert.equal(theirs!.rows!.length, 3);
  await assert.rejects((await table.at({ version: 2 })).rows(), /missing/);
});

test('checkpoints every 10 commits; a missing or torn checkpoint falls back to an older one or the commits', async (t) => {
  const root = tempLake(t);
  const table = await DeltaTable.create(root, 't', { columns: COLUMNS });
  for (let i = 0; i < 24; i++) await table.append(rowsOf(i * 2, 2), { txn: [{ appId: 'p0', version: i }] });
  const log = join(root, 't', '_delta_log');
  const files = readdirSync(log);
  assert.ok(files.includes('00000000000000000010.checkpoint.parquet'));
  assert.ok(files.includes('00000000000000000020.checkpoint.parquet'));
  const expected = canonicalRows(await table.rows(), table.schema);
  const check = async (what: string) => {
    const t2 = await DeltaTable.open(root, 't');
    assert.equal(t2.version, 24, what);
    assert.equal(t2.txnVersion('p0'), 23, `${what}: txn survives the checkpoint`);
    assert.deepEqual(canonicalRows(await t2.rows(), t2.schema), expected, what);
    const [theirs] = deltalakeRead([{ path: t2.location }]);
    assert.deepEqual(sortRows(theirs!.rows!), expected, `${what}: deltalake`);
  };
  await check('with _last_checkpoint');
  rmSync(join(log, '_last_checkpoint'));
  await check('without _last_checkpoint');
  truncateSync(join(log, '00000000000000000020.checkpoint.parquet'), 100);
  const t3 = await DeltaTable.open(root, 't');
  assert.deepEqual(canonicalRows(await t3.rows(), t3.schema), expected, 'torn checkpoint: replay from checkpoint 10');
});

test('scans prune partitions and skip files by statistics, and filter rows exactly', async (t) => {
  const root = tempLake(t);
  const table = await DeltaTable.create(root, 't', { columns: COLUMNS, partitionBy: ['ingest_date'] });
  await table.append(rowsOf(0, 100, '2024-11-14'));
  await table.append(rowsOf(100, 100, '2024-11-15'));
  await table.append(rowsOf(200, 100, '2024-11-15'));
  await table.append([{ id: 999n, name: null, qty: null, ingest_date: null }]);
  assert.equal(table.files([{ column: 'ingest_date', op: '=', value: '2024-11-15' }]).length, 2);
  assert.equal(table.files([{ column: 'ingest_date', op: 'is null' }]).length, 1);
  assert.equal(table.files([{ column: 'id', op: '>=', value: 250 }]).length, 2, 'ids 200-299 and 999');
  assert.equal(table.files([{ column: 'id', op: '<', value: 100 }]).length, 1);
  assert.equal(table.files([{ column: 'qty', op: 'in', value: [5, 150] }]).length, 2);
  assert.equal(table.files([{ column: 'name', op: 'is null' }]).length, 1);
  const rows = await table.rows({ filters: [{ column: 'id', op: '>=', value: 250 }, { column: 'ingest_date', op: '=', value: '2024-11-15' }], columns: ['id'] });
  assert.deepEqual(rows.map((r) => r.id), Array.from({ length: 50 }, (_, i) => BigInt(250 + i)));
  assert.deepEqual(Object.keys(rows[0]!), ['id']);
  assert.equal((await table.rows({ limit: 7 })).length, 7);
});

test('schema evolution adds nullable columns; old files read them as null, in deltalake too', async (t) => {
  const root = tempLake(t);
  const table = await DeltaTable.create(root, 't', { columns: COLUMNS });
  await table.append(rowsOf(0, 2));
  await table.append([{ ...rowsOf(2, 1)[0]!, extra: 'x' }], { columns: [{ name: 'extra', type: 'string', nullable: false }] });
  assert.deepEqual(table.schema.fields.map((f) => [f.name, f.nullable]).at(-1), ['extra', true]);
  await assert.rejects(table.addColumns([{ name: 'qty', type: 'string' }]), /is integer in the table but string/);
  const rows = await table.rows();
  assert.deepEqual(rows.map((r) => r.extra).sort(), [null, null, 'x']);
  const [theirs] = deltalakeRead([{ path: table.location }]);
  assert.deepEqual(sortRows(theirs!.rows!), canonicalRows(rows, table.schema));
});

test('a batch that names a new column twice (rows of two shapes) adds it once', async (t) => {
  const root = tempLake(t);
  const table = await DeltaTable.create(root, 'events', { columns: [{ name: 'id', type: 'long', nullable: false }] });
  const amount = { name: 'amount', type: 'decimal(8,2)' } as const;
  await table.append([{ id: 1n, amount: '1.50' }, { id: 2n }], { columns: [amount, { ...amount }] });
  assert.deepEqual(table.schema.fields.map((f) => f.name), ['id', 'amount']);
  assert.deepEqual(canonicalRows(await table.rows(), table.schema), sortRows([{ id: '1', amount: '1.50' }, { id: '2', amount: null }]));
  await assert.rejects(table.append([{ id: 3n }], { columns: [{ name: 'note', type: 'string' }, { name: 'note', type: 'long' }] }), /string in the table but long/);
});
