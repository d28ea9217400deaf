// Silver on the real servers: after inserts, updates, deletes, a truncate, an added column and
// unchanged TOASTed values, every silver table equals SELECT * of its source table, row for row.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { cdcTestEnv, dropSlot, eventually, sql, startCapture } from '../../test/support/cdc.js';
import { lakeEnv, startBronze, startSilver, tableRows, tempLake } from '../../test/support/pipeline.js';
import { DeltaTable, type Row } from '../index.js';
import { deltalakeRead } from '../testing/deltalake-oracle.js';
import { join } from 'node:path';

/** A source row and a silver row in one comparable text form, column by column. */
function canonicalSource(r: Record<string, unknown>, columns: string[]): string {
  return columns.map((c) => (r[c] === null ? 'null' : String(r[c]))).join('|');
}
function canonicalSilver(r: Row, columns: string[]): string {
  return columns
    .map((c) => {
      const v = r[c];
      if (v === null || v === undefined) return 'null';
      if (v instanceof Date) return String(v.getTime());
      if (Array.isArray(v)) return JSON.stringify(v);
      return String(v);
    })
    .join('|');
}
// PostgreSQL renders each column the way the lake's values print (timestamps as epoch ms).
const SELECT = (table: string, columns: string[]) =>
  `select ${columns.map((c) => (c === 'at' ? `floor(extract(epoch from at) * 1000)::bigint::text as at` : c === 'tags' ? 'to_json(tags)::text as tags' : `${c}::text as ${c}`)).join(', ')} from ${table}`;

async function compare(url: string, root: string, table: string, columns: string[]): Promise<{ source: string[]; silver: string[] }> {
  const source = (await sql(url, SELECT(table, columns))).rows.map((r) => canonicalSource(r, columns)).sort();
  const silver = (await tableRows(root, `silver/public/${table}`)).map((r) => canonicalSilver(r, columns)).sort();
  return { source, silver };
}

test('after inserts, updates, deletes, a truncate, an added column and TOAST, silver equals SELECT * row for row', { timeout: 300_000 }, async () => {
  const env = await cdcTestEnv();
  const lake = tempLake();
  const db = new pg.Client({ connectionString: env.DATABASE_URL });
  await db.connect();
  await db.query(`create table accounts (id bigint primary key, owner text not null, balance numeric(12,2), at timestamptz, active boolean, tags text[], notes text)`);
  await db.query(`create table events (id int primary key, account bigint, kind text)`);
  await db.query(`create table scratch (k text primary key, v int)`);
  await db.query(`insert into accounts select g, 'owner ' || g, g * 1.5, now(), g % 2 = 0, array['t' || g], null from generate_series(1, 300) g`);
  await db.query(`insert into scratch select 'k' || g, g from generate_series(1, 50) g`);
  const capture = await startCapture(env);
  const wenv = lakeEnv(env, lake.root);
  const bronze = await startBronze(wenv);
  const silver = startSilver(wenv);
  try {
    // A random workload in small transactions.
    let nextEvent = 1;
    for (let i = 0; i < 150; i++) {
      const id = 1 + Math.floor(Math.random() * 400);
      await db.query('begin');
      await db.query(`insert into accounts values ($1::bigint, 'new ' || $1::bigint::text, 1, now(), true, '{}', null) on conflict (id) do update set balance = accounts.balance + 10, active = not accounts.active`, [id]);
      await db.query(`update accounts set owner = owner || '!' where id = $1`, [1 + Math.floor(Math.random() * 400)]);
      if (i % 3 === 0) await db.query('delete from accounts where id = $1', [1 + Math.floor(Math.random() * 400)]);
      await db.query('insert into events values ($1, $2, $3)', [nextEvent++, id, i % 2 ? 'credit' : 'debit']);
      if (i % 5 === 0) await db.query('delete from events where id = $1', [Math.max(1, nextEvent - 3)]);
      await db.query(`update scratch set v = v + 1 where k = $1`, [`k${1 + (i % 50)}`]);
      await db.query('commit');
      if (i === 60) await db.query('truncate scratch');
      if (i === 61) await db.query(`insert into scratch values ('after-truncate', 1)`);
      if (i === 80) await db.query('alter table events add column amount numeric(8,2)');
      if (i > 80 && i % 4 === 0) await db.query('update events set amount = $2 where id = $1', [nextEvent - 1, i]);
    }
    // A large text goes out of line (TOAST); later updates that do not touch it send the
    // "unavailable" placeholder, and silver must keep the value it has.
    await db.query(`insert into accounts values (1001, 'toast 1', 0, now(), true, '{}', null), (1002, 'toast 2', 0, now(), true, '{}', null), (1003, 'toast 3', 0, now(), true, '{}', null)`);
    await db.query(`update accounts set notes = (select string_agg(md5(g::text), '') from generate_series(1, 400) g) where id in (1001, 1002, 1003)`);
    await eventually('the notes in silver', async () => {
      const rows = await tableRows(lake.root, 'silver/public/accounts');
      return rows.filter((r) => typeof r.notes === 'string' && (r.notes as string).length === 12800).length === 3 || undefined;
    }, 60_000);
    await db.query(`update accounts set balance = balance + 1 where id in (1001, 1002, 1003)`);

    const accountCols = ['id', 'owner', 'balance', 'at', 'active', 'tags', 'notes'];
    const eventCols = ['id', 'account', 'kind', 'amount'];
    const scratchCols = ['k', 'v'];
    for (const [table, cols] of [['accounts', accountCols], ['events', eventCols], ['scratch', scratchCols]] as const) {
      const result = await eventually(`silver ${table} equal to its source`, async () => {
        const c = await compare(env.DATABASE_URL, lake.root, table, [...cols]);
        return JSON.stringify(c.source) === JSON.stringify(c.silver) ? c : undefined;
      }, 90_000).catch(async (e: Error) => {
        const c = await compare(env.DATABASE_URL, lake.root, table, [...cols]);
        const missing = c.source.filter((r) => !c.silver.includes(r)).slice(0, 5).map((r) => r.slice(0, 120));
        const extra = c.silver.filter((r) => !c.source.includes(r)).slice(0, 5).map((r) => r.slice(0, 120));
        throw new Error(`${e.message}\n  in source only: ${JSON.stringify(missing)}\n  in silver only: ${JSON.stringify(extra)}`);
      });
      assert.ok(result.source.length > 0 || table === 'scratch');
    }
    // the TOASTed notes survived the update that did not send them
    const accounts = await tableRows(lake.root, 'silver/public/accounts');
    assert.equal(accounts.filter((r) => typeof r.notes === 'string' && (r.notes as string).length === 12800).length, 3);
    const scratch = await tableRows(lake.root, 'silver/public/scratch');
    assert.ok(scratch.some((r) => r.k === 'after-truncate'), 'rows written after the truncate are there');
    assert.ok(!scratch.some((r) => r.k === 'k1'), 'rows from before the truncate are gone');

    // silver records how far into bronze it is, and delta-rs reads silver the same
    const s = await DeltaTable.open(lake.root, 'silver/public/accounts');
    const b = await DeltaTable.open(lake.root, 'bronze/public/accounts');
    assert.equal(s.txnVersion('bronze/public/accounts'), b.version);
    // and, per partition of the change topic, the offset up to which it judged the changes
    assert.ok(b.snapshot.txns.size > 0);
    for (const [appId, t] of b.snapshot.txns) assert.equal(s.txnVersion(appId), t.version, `silver's offset for ${appId}`);
    const [theirs] = deltalakeRead([{ path: join(lake.root, 'silver/public/accounts'), rows: true }]);
    assert.ok(!theirs!.error, theirs!.error);
    assert.deepEqual((theirs!.rows as Array<Record<string, unknown>>).map((r) => String(r.id)).sort(), accounts.map((r) => String(r.id)).sort());
  } finally {
    await silver.stop();
    await bronze.stop();
    await capture.stop();
    await db.end();
    await dropSlot(env);
    lake.remove();
  }
});
