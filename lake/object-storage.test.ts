// The lake on object stores: a table our lake writes to S3 (a real versitygw) reads the same in
// Python deltalake, given only its storage options, at every version; on S3 and on Azure Blob (a
// real Azurite) every operation, checkpoints and vacuum read back in ours, and two writers
// appending at once both land, each commit once.

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { azureLake, s3Lake, stopObjectStores } from '../test/support/object-stores.js';
import { DeltaTable, tableStorage, type ColumnSpec, type Row } from './index.js';
import { canonicalRows, deltalakeRead, sortRows } from './testing/deltalake-oracle.js';

after(stopObjectStores);

const COLUMNS: ColumnSpec[] = [
  { name: 'id', type: 'long', nullable: false },
  { name: 'name', type: 'string' },
  { name: 'amount', type: 'decimal(12,2)' },
  { name: 'at', type: 'timestamp' },
  { name: 'tags', type: { type: 'array', elementType: 'string', containsNull: true } },
  { name: 'ingest_date', type: 'date' },
  { name: 'source', type: 'string' },
];

function row(i: number): Row {
  return {
    id: BigInt(i),
    name: i % 7 === 0 ? null : `employee ${i} ${'é'.repeat(i % 3)}`,
    amount: `${i * 7}.${String(i % 100).padStart(2, '0')}`,
    at: new Date(Date.UTC(2026, 0, 14, 8, 0, i, i % 1000)),
    tags: i % 4 === 0 ? null : ['a', `t${i}`, null],
    ingest_date: i % 10 === 9 ? null : `2026-01-1${i % 3}`,
    source: ['pg.public.activities', 'a/b c=d', '', 'x%y'][i % 4],
  };
}

/** Every operation once, checkpoints every 3 commits; the rows of each version as they were. */
async function writeHistory(root: string, path: string): Promise<{ table: DeltaTable; expected: Row[][] }> {
  const table = await DeltaTable.create(root, path, { columns: COLUMNS, partitionBy: ['ingest_date', 'source'], configuration: { 'delta.checkpointInterval': '3' } });
  const expected: Row[][] = [[]];
  const keep = async () => expected.push(await table.rows());
  await table.append(Array.from({ length: 40 }, (_, i) => row(i)), { txn: [{ appId: 'activities-0', version: 39 }] });
  await keep();
  assert.equal((await table.append([row(0)], { txn: [{ appId: 'activities-0', version: 39 }] })).skipped, true, 'a replayed batch is skipped');
  await table.append(Array.from({ length: 25 }, (_, i) => row(100 + i)), { txn: [{ appId: 'activities-0', version: 64 }] });
  await keep();
  await table.delete([{ column: 'id', op: '<', value: 10 }]);
  await keep();
  await table.update([{ column: 'source', op: '=', value: 'a/b c=d' }], (r) => ({ ...r, name: `updated ${r.id}` }));
  await keep();
  await table.merge([{ ...row(105), name: 'merged' }, { ...row(106), name: '__delete__' }, { ...row(500), name: 'inserted' }], { keys: ['id'], isDelete: (r) => r.name === '__delete__' });
  await keep();
  await table.addColumns([{ name: 'note', type: 'string' }]);
  await keep();
  await table.append([{ ...row(900), note: 'after evolution' }]);
  await keep();
  await table.optimize({ targetSize: 1 << 30 });
  await keep();
  await table.overwrite([row(1000), row(1001)], { partitionFilters: [{ column: 'ingest_date', op: '=', value: '2026-01-11' }] });
  await keep();
  return { table, expected };
}

/** Two writers append `each` commits at once to one table; both land, each commit once. */
async function racingAppends(root: string, path: string, each: number): Promise<void> {
  await DeltaTable.create(root, path, { columns: [{ name: 'writer', type: 'string', nullable: false }, { name: 'n', type: 'long', nullable: false }] });
  const [a, b] = await Promise.all([DeltaTable.open(root, path), DeltaTable.open(root, path)]);
  const run = async (t: DeltaTable, writer: string) => {
    for (let n = 0; n < each; n++) await t.append([{ writer, n: BigInt(n) }]);
  };
  await Promise.all([run(a!, 'a'), run(b!, 'b')]);
  const t = await DeltaTable.open(root, path);
  assert.equal(t.version, 2 * each);
  const rows = (await t.rows()).map((r) => `${r.writer}${r.n}`).sort();
  const want = ['a', 'b'].flatMap((w) => Array.from({ length: each }, (_, n) => `${w}${n}`)).sort();
  assert.deepEqual(rows, want);
}

describe('the lake on S3 (versitygw)', () => {
  test('a table our lake writes to S3 reads the same in deltalake, given only its storage options, at every version', async () => {
    const { root, server } = await s3Lake();
    const { table, expected } = await writeHistory(root, 'bronze/public/activities');
    assert.match(table.location, /^s3:\/\/lake-[0-9a-f]+\/lake\/bronze\/public\/activities$/);
    // the checkpoints and the data files are objects in the bucket
    const log = await table.storage.list('_delta_log');
    assert.ok(log.some((f) => f.path.endsWith('.checkpoint.parquet')), 'a checkpoint was written');
    assert.ok(log.some((f) => f.path.endsWith('_last_checkpoint')));
    const storageOptions = {
      AWS_ENDPOINT_URL: server.endpoint,
      AWS_ACCESS_KEY_ID: server.accessKey,
      AWS_SECRET_ACCESS_KEY: server.secretKey,
      AWS_REGION: server.region,
      AWS_ALLOW_HTTP: 'true',
      AWS_VIRTUAL_HOSTED_STYLE_REQUEST: 'false',
    };
    const theirs = deltalakeRead([...expected.keys()].map((v) => ({ path: table.location, version: v, history: v === expected.length - 1, storageOptions })));
    for (const [v, rows] of expected.entries()) {
      const th = theirs[v]!;
      assert.equal(th.error, undefined, `deltalake reads version ${v}: ${th.error}`);
      const at = await table.at({ version: v });
      assert.equal(th.version, v);
      assert.deepEqual(th.partitionColumns, ['ingest_date', 'source']);
      assert.deepEqual(th.schema.fields.map((f) => [f.name, f.type, f.nullable]), at.schema.fields.map((f) => [f.name, f.type, f.nullable]), `schema at ${v}`);
      assert.deepEqual(sortRows(th.rows!), canonicalRows(rows, at.schema), `rows at version ${v}`);
      assert.deepEqual(at.files().map((a) => decodeURIComponent(a.path)).sort(), th.files, `files at ${v}`);
    }
    assert.deepEqual(theirs[expected.length - 1]!.history!.map((h) => h.operation).reverse(), ['CREATE TABLE', 'WRITE', 'WRITE', 'DELETE', 'UPDATE', 'MERGE', 'ADD COLUMNS', 'WRITE', 'OPTIMIZE', 'WRITE']);
    // a fresh reader (another process would be one) replays from the checkpoint
    const fresh = await DeltaTable.open(root, 'bronze/public/activities');
    assert.equal(fresh.version, expected.length - 1);
    assert.equal(fresh.txnVersion('activities-0'), 64);
  });

  test('vacuum removes only the files no retained version needs', async () => {
    const { root } = await s3Lake();
    const table = await DeltaTable.create(root, 'silver/t', { columns: [{ name: 'id', type: 'long', nullable: false }] });
    await table.append([{ id: 1n }]);
    await table.append([{ id: 2n }]);
    await table.optimize({ targetSize: 1 << 30 });
    const before = (await table.storage.list('', { recursive: true })).filter((f) => f.path.endsWith('.parquet') && !f.path.startsWith('_delta_log'));
    assert.equal(before.length, 3);
    const res = await table.vacuum({ retentionHours: 0, enforceRetention: false, now: Date.now() + 60_000 });
    const left = (await table.storage.list('', { recursive: true })).filter((f) => f.path.endsWith('.parquet') && !f.path.startsWith('_delta_log'));
    assert.deepEqual(left.map((f) => f.path), table.files().map((a) => decodeURIComponent(a.path)));
    assert.equal(res.files.length, 2);
    assert.equal(left.length, 1);
    assert.deepEqual((await (await DeltaTable.open(root, 'silver/t')).rows()).map((r) => r.id).sort(), [1n, 2n]);
  });

  test('two writers appending at once both land, each commit once', async () => {
    const { root } = await s3Lake();
    await racingAppends(root, 'bronze/public/race', 15);
  });

  test('a table path cannot leave the lake root', async () => {
    const { root } = await s3Lake();
    await assert.rejects(DeltaTable.create(root, '../other', { columns: COLUMNS }), /is not inside the lake root/);
    assert.throws(() => tableStorage(root, 'a/../../b'), /is not inside the lake root/);
  });
});

describe('the lake on Azure Blob (Azurite)', () => {
  test('every operation and checkpoint reads back at every version', async () => {
    const { root } = await azureLake();
    const { table, expected } = await writeHistory(root, 'bronze/public/activities');
    assert.match(table.location, /^az:\/\/lake-[0-9a-f]+\/lake\/bronze\/public\/activities$/);
    assert.ok((await table.storage.list('_delta_log')).some((f) => f.path.endsWith('.checkpoint.parquet')), 'a checkpoint was written');
    const fresh = await DeltaTable.open(root, 'bronze/public/activities');
    for (const [v, rows] of expected.entries()) {
      const at = await fresh.at({ version: v });
      assert.deepEqual(canonicalRows(await at.rows(), at.schema), canonicalRows(rows, at.schema), `rows at version ${v}`);
    }
  });

  test('two writers appending at once both land, each commit once', async () => {
    const { root } = await azureLake();
    await racingAppends(root, 'bronze/public/race', 15);
  });
});
