// Our writer against deltalake's reader, and deltalake's writer against our reader: the same rows,
// schema, partition values and version history, at every version.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { DeltaTable, type ColumnSpec, type Row } from './index.js';
import { canonicalRows, deltalakeRead, deltalakeWrite, sortRows } from './testing/deltalake-oracle.js';
import { tempLake } from './testing/tmp.js';

const COLUMNS: ColumnSpec[] = [
  { name: 'id', type: 'long', nullable: false },
  { name: 'name', type: 'string' },
  { name: 'n_int', type: 'integer' },
  { name: 'n_short', type: 'short' },
  { name: 'n_byte', type: 'byte' },
  { name: 'n_double', type: 'double' },
  { name: 'n_float', type: 'float' },
  { name: 'flag', type: 'boolean' },
  { name: 'day', type: 'date' },
  { name: 'at', type: 'timestamp' },
  { name: 'amount', type: 'decimal(12,3)' },
  { name: 'raw', type: 'binary' },
  { name: 'tags', type: { type: 'array', elementType: 'string', containsNull: true } },
  { name: 'place', type: { type: 'struct', fields: [{ name: 'city', type: 'string', nullable: true, metadata: {} }, { name: 'seats', type: 'long', nullable: true, metadata: {} }] } },
  { name: 'ingest_date', type: 'date' },
  { name: 'source', type: 'string' },
];

function row(i: number): Row {
  return {
    id: BigInt(i),
    name: i % 7 === 0 ? null : `employee ${i} ${'é'.repeat(i % 3)}`,
    n_int: i * 1000 - 5,
    n_short: (i % 100) - 50,
    n_byte: (i % 50) - 25,
    n_double: i % 5 === 0 ? null : i / 3,
    n_float: i * 0.25,
    flag: i % 2 === 0,
    day: `2024-0${(i % 9) + 1}-1${i % 10}`,
    at: new Date(Date.UTC(2024, 10, 14, 8, 0, i, i % 1000)),
    amount: `${i * 7}.${String(i % 1000).padStart(3, '0')}`,
    raw: new Uint8Array([i % 256, 0, 255]),
    tags: i % 4 === 0 ? null : ['a', `t${i}`, null],
    place: i % 6 === 0 ? null : { city: 'Grand Stade de Tanger', seats: 75600n + BigInt(i) },
    ingest_date: i % 10 === 9 ? null : `2024-11-1${i % 3}`,
    source: ['pg.public.activities', 'a/b c=d', '', 'x%y'][i % 4],
  };
}

test('tables our writer makes read the same in deltalake, at every version', async (t) => {
  const root = tempLake(t);
  const table = await DeltaTable.create(root, 'bronze/activities', {
    columns: COLUMNS,
    partitionBy: ['ingest_date', 'source'],
    configuration: { 'delta.checkpointInterval': '3' },
  });
  const expected: Row[][] = [[]];
  const snapshotRows = async () => expected.push(await table.rows());
  await table.append(Array.from({ length: 40 }, (_, i) => row(i)), { txn: [{ appId: 'activities-0', version: 39 }] });
  await snapshotRows();
  await table.append(Array.from({ length: 25 }, (_, i) => row(100 + i)), { txn: [{ appId: 'activities-0', version: 64 }] });
  await snapshotRows();
  await table.delete([{ column: 'n_int', op: '<', value: 10_000 }]);
  await snapshotRows();
  await table.update([{ column: 'source', op: '=', value: 'a/b c=d' }], (r) => ({ ...r, name: `updated ${r.id}` }));
  await snapshotRows();
  await table.merge(
    [{ ...row(105), name: 'merged' }, { ...row(106), name: '__delete__' }, { ...row(500), name: 'inserted' }],
    { keys: ['id'], isDelete: (r) => r.name === '__delete__' },
  );
  await snapshotRows();
  await table.addColumns([{ name: 'note', type: 'string' }]);
  await snapshotRows();
  await table.append([{ ...row(900), note: 'after evolution' }]);
  await snapshotRows();
  await table.optimize({ targetSize: 1 << 30 });
  await snapshotRows();
  await table.overwrite([row(1000), row(1001)], { partitionFilters: [{ column: 'ingest_date', op: '=', value: '2024-11-11' }] });
  await snapshotRows();
  assert.equal(table.version, expected.length - 1);
  assert.equal(table.txnVersion('activities-0'), 64);

  const theirs = deltalakeRead([...expected.keys()].map((v) => ({ path: table.location, version: v, history: v === expected.length - 1 })));
  for (const [v, rows] of expected.entries()) {
    const th = theirs[v]!;
    assert.equal(th.error, undefined, `deltalake reads version ${v}`);
    const at = await table.at({ version: v });
    assert.equal(th.version, v);
    assert.deepEqual(th.partitionColumns, ['ingest_date', 'source']);
    assert.deepEqual(th.schema.fields.map((f) => [f.name, f.type, f.nullable]), at.schema.fields.map((f) => [f.name, f.type, f.nullable]), `schema at ${v}`);
    assert.deepEqual(sortRows(th.rows!), canonicalRows(rows, at.schema), `rows at version ${v}`);
    assert.deepEqual(canonicalRows(await at.rows(), at.schema), canonicalRows(rows, at.schema), `our time travel to ${v}`);
    assert.deepEqual(at.files().map((a) => decodeURIComponent(a.path)).sort(), th.files, `files at ${v}`);
  }
  const history = theirs[expected.length - 1]!.history!;
  assert.deepEqual(
    history.map((h) => h.operation),
    (await table.history()).map((h) => h.operation),
  );
  assert.deepEqual(history.map((h) => h.operation).reverse(), ['CREATE TABLE', 'WRITE', 'WRITE', 'DELETE', 'UPDATE', 'MERGE', 'ADD COLUMNS', 'WRITE', 'OPTIMIZE', 'WRITE']);
});

test('tables deltalake writes read the same in ours, at every version and by timestamp', async (t) => {
  const root = tempLake(t);
  const path = join(root, 'dl');
  const schema: Array<[string, string]> = [
    ['id', 'long'], ['name', 'string'], ['score', 'double'], ['n', 'integer'], ['ok', 'boolean'],
    ['day', 'date'], ['at', 'timestamp'], ['amount', 'decimal(10,2)'], ['part', 'string'], ['raw', 'binary'], ['tags', 'array<string>'],
  ];
  const r = (i: number) => ({
    id: i, name: i % 4 ? `n${i}` : null, score: i / 7, n: i, ok: i % 2 === 0, day: `2024-01-${String((i % 28) + 1).padStart(2, '0')}`,
    at: 1_731_571_200_000_000 + i * 1_000_123, amount: `${i}.5${i % 10}`, part: i % 3 === 0 ? null : `p${i % 3}`, raw: 'ff00', tags: i % 5 ? ['x', 'y'] : null,
  });
  deltalakeWrite(path, [
    { op: 'write', partitionBy: ['part'], schema, rows: Array.from({ length: 30 }, (_, i) => r(i)) },
    { op: 'write', schema, rows: Array.from({ length: 30 }, (_, i) => r(30 + i)) },
    { op: 'delete', predicate: 'n < 5' },
    { op: 'checkpoint' },
    { op: 'merge', predicate: 't.id = s.id', schema, rows: [{ ...r(10), name: 'merged' }, r(99)] },
    { op: 'optimize' },
    { op: 'write', mode: 'overwrite', schema, rows: [r(200), r(201), r(202)] },
  ]);
  const table = await DeltaTable.open(root, 'dl');
  const theirs = deltalakeRead(Array.from({ length: table.version + 1 }, (_, v) => ({ path, version: v, history: true })));
  assert.ok(table.version >= 5, 'deltalake wrote several versions');
  for (let v = 0; v <= table.version; v++) {
    const th = theirs[v]!;
    assert.equal(th.error, undefined);
    const at = await table.at({ version: v });
    assert.deepEqual(at.partitionColumns, th.partitionColumns);
    assert.deepEqual(at.schema.fields.map((f) => [f.name, f.type, f.nullable]), th.schema.fields.map((f) => [f.name, f.type, f.nullable]));
    assert.deepEqual(canonicalRows(await at.rows(), at.schema), sortRows(th.rows!), `rows at version ${v}`);
  }
  assert.deepEqual((await table.history()).map((h) => [h.version, h.operation]), theirs[table.version]!.history!.map((h) => [h.version, h.operation]));
  // time travel by timestamp: the latest version committed at or before it, for both readers
  const stamps: string[] = [];
  for (let v = 0; v <= table.version; v++) stamps.push(new Date((await table.at({ version: v })).snapshot.timestamps.get(v)!).toISOString());
  const byTime = deltalakeRead(stamps.map((timestamp) => ({ path, timestamp, rows: false })));
  for (const [v, timestamp] of stamps.entries()) {
    const ours = await table.at({ timestamp });
    assert.equal(ours.version, byTime[v]!.version, `version at ${timestamp}`);
    assert.ok(ours.version >= v);
  }
  await assert.rejects(table.at({ timestamp: '2000-01-01T00:00:00Z' }), /no version at or before/);
});
