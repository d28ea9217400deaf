// Bronze reads the events of every type the capture maps (cdc/testing/every-type.ts) as Debezium
// writes them: arrays of arrays, Point structs, infinities, NaN, a default added mid-stream, a table
// without a primary key; delta-rs reads the same values back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { EVERY_TYPE_DDL, everyTypeInitialRows, everyTypeWorkload } from '../../cdc/testing/every-type.js';
import { cdcTestEnv, dropSlot, eventually, sql, startCapture } from '../../test/support/cdc.js';
import { lakeEnv, startBronze, tableRows, tempLake } from '../../test/support/pipeline.js';
import { deltalakeRead } from '../testing/deltalake-oracle.js';

test('every mapped type lands in bronze typed, and delta-rs reads the same', { timeout: 300_000 }, async (t) => {
  const env = await cdcTestEnv();
  const lake = tempLake();
  await sql(env.DATABASE_URL, EVERY_TYPE_DDL);
  for (const s of everyTypeInitialRows()) await sql(env.DATABASE_URL, s);
  const capture = await startCapture(env);
  const bronze = await startBronze(lakeEnv(env, lake.root));
  t.after(async () => {
    await bronze.stop();
    await capture.stop();
    await dropSlot(env);
    lake.remove();
  });
  for (const s of everyTypeWorkload()) await sql(env.DATABASE_URL, s);

  // 3 snapshot rows, 3 inserts, an update, a key change (d + c), a delete, an insert and an update.
  const rows = await eventually('the every_type changes in bronze', async () => {
    const r = await tableRows(lake.root, 'bronze/public/every_type');
    return r.length >= 12 ? r : undefined;
  }, 120_000);
  const row = (op: string, id: number) => rows.find((r) => r._op === op && Number(r.id) === id)!;
  assert.deepEqual(row('r', 1).c_int_matrix, [[1, 2], [3, 4]]);
  assert.deepEqual(row('c', 13).c_int_matrix, [[1, 2], [3, 4]], 'a 3-D value in the 2-D column, flattened below the declared depth');
  assert.equal(row('c', 11).c_real, 1.5);
  assert.ok(Number.isNaN(row('c', 13).c_real as number), 'NaN stays NaN');
  assert.equal(row('c', 13).c_date, null, "date 'infinity' (Delta has no infinite date)");
  assert.deepEqual(JSON.parse(row('c', 11).c_point as string), { x: 1, y: 2, wkb: 'AQEAAAAAAAAAAADwPwAAAAAAAABA', srid: null });
  assert.equal(row('c', 14).c_added, 42);
  assert.equal(row('u', 14).c_added, 43);
  assert.equal(row('d', 13).c_required, 'x', "a key-only before image carries the column's default, as Debezium's");

  const keyless = await eventually('the keyless changes in bronze', async () => {
    const r = await tableRows(lake.root, 'bronze/public/keyless_full');
    return r.length >= 5 ? r : undefined;
  }, 120_000);
  assert.deepEqual(keyless.map((r) => `${r._op} ${r.a} ${r.b}`).sort(), ['c 1 one', 'c 2 two', 'd 2 two', 'r 0 zero', 'u 1 uno']);

  const [theirs] = deltalakeRead([{ path: join(lake.root, 'bronze/public/every_type'), rows: true, columns: ['_op', 'id', 'c_int_matrix', 'c_real'] }]);
  assert.ok(!theirs!.error, theirs!.error);
  const r1 = (theirs!.rows as Record<string, unknown>[]).find((r) => r._op === 'r' && String(r.id) === '1')!;
  assert.deepEqual((r1.c_int_matrix as unknown[][]).map((a) => a.map(String)), [['1', '2'], ['3', '4']]);
  assert.equal(String(r1.c_real), '1.5');
});
