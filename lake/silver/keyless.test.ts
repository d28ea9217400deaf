// A source table without a primary key (captured as Debezium does: null keys, REPLICA IDENTITY FULL
// giving a before image) through the real capture, bronze and silver: bronze holds every change of
// it, silver leaves it out with a reason that status shows, and the keyed table beside it is kept
// current as usual.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { silverOptions } from './command.js';
import { SilverWriter, type TableReport } from './writer.js';
import { readLake } from '../../monitoring/lake-tables.js';
import { deltalakeRead } from '../testing/deltalake-oracle.js';
import { cdcTestEnv, dropSlot, eventually, sql, startCapture } from '../../test/support/cdc.js';
import { configOf, lakeEnv, startBronze, tableRows, tempLake } from '../../test/support/pipeline.js';

test('a keyless table: every change in bronze, left out of silver with its reason, the keyed table beside it current', { timeout: 300_000 }, async (t) => {
  const env = await cdcTestEnv();
  const lake = tempLake();
  await sql(env.DATABASE_URL, `create table keyless (a int, b text); alter table keyless replica identity full; create table keyed (id int primary key, v text);
    insert into keyless values (0, 'zero')`);
  const capture = await startCapture(env);
  const wenv = lakeEnv(env, lake.root);
  const bronze = await startBronze(wenv);
  t.after(async () => {
    await bronze.stop();
    await capture.stop();
    await dropSlot(env);
    lake.remove();
  });
  await sql(env.DATABASE_URL, `insert into keyless values (1, 'one'), (2, 'two'); update keyless set b = 'uno' where a = 1; delete from keyless where a = 2;
    insert into keyed values (1, 'a'), (2, 'b'); update keyed set v = 'c' where id = 2`);

  const bronzeRows = await eventually('every change of keyless in bronze', async () => {
    const rows = await tableRows(lake.root, 'bronze/public/keyless');
    return rows.length >= 5 ? rows : undefined;
  }, 120_000);
  assert.deepEqual(bronzeRows.map((r) => `${r._op} ${r.a} ${r.b}`).sort(), ['c 1 one', 'c 2 two', 'd 2 two', 'r 0 zero', 'u 1 uno']);
  const [theirs] = deltalakeRead([{ path: join(lake.root, 'bronze/public/keyless'), rows: true }]);
  assert.ok(!theirs!.error, theirs!.error);
  assert.equal(theirs!.rows!.length, 5, 'delta-rs reads the same bronze table');

  const silver = new SilverWriter(silverOptions(configOf(wenv)));
  const reports = await eventually('silver applied the keyed table', async () => {
    const r: TableReport[] = await silver.cycle();
    const keyed = await tableRows(lake.root, 'silver/public/keyed');
    return keyed.length === 2 && keyed.some((x) => x.v === 'c') ? r : undefined;
  }, 120_000);
  const skipped = reports.find((r) => r.table === 'public.keyless');
  assert.match(skipped?.skipped ?? '', /no primary key/);
  assert.ok(!existsSync(join(lake.root, 'silver/public/keyless')), 'no silver table for it');
  assert.ok(reports.find((r) => r.table === 'public.keyed' && !r.skipped));

  const state = await readLake(lake.root);
  assert.match(state.silverSkipped['bronze/public/keyless'] ?? '', /no primary key/, 'lakehouse status names it');
  assert.equal(state.silverSkipped['bronze/public/keyed'], undefined);
});
