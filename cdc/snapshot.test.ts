// The initial snapshot: consistent with the slot, resumable after a crash, and the three modes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cdcTestEnv, changesOf, dropSlot, eventually, spawnCapture, sql, startCapture, type Change, type CdcTestEnv } from '../test/support/cdc.js';

/** Applies events in stream order to a map keyed by id: what a sink would hold. */
function replay(changes: Change[]): Map<number, Record<string, unknown>> {
  const state = new Map<number, Record<string, unknown>>();
  for (const c of changes) {
    const v = c.value!;
    if (v.op === 'd') state.delete(Number(v.before!.id));
    else if (v.op === 't') state.clear();
    else state.set(Number(v.after!.id), v.after!);
  }
  return state;
}

async function tableState(env: CdcTestEnv): Promise<Map<number, Record<string, unknown>>> {
  const { rows } = await sql(env.DATABASE_URL, 'select id, v from snap order by id');
  return new Map(rows.map((r: { id: number; v: number }) => [r.id, { id: r.id, v: r.v }]));
}

function project(m: Map<number, Record<string, unknown>>): Map<number, Record<string, unknown>> {
  return new Map([...m].map(([k, r]) => [k, { id: r.id, v: r.v }]));
}

test('rows written while the snapshot runs are all there afterwards', { timeout: 300_000 }, async () => {
  const env = await cdcTestEnv({ CDC_SNAPSHOT_CHUNK_SIZE: '500' });
  await sql(env.DATABASE_URL, `create table snap (id int primary key, v int not null, pad text);
    insert into snap select g, 0, repeat('x', 100) from generate_series(1, 30000) g`);
  const cap = startCapture(env);
  // Writes during the snapshot: new rows, updates of rows read and not yet read, deletes.
  for (let i = 0; i < 40; i++) {
    await sql(env.DATABASE_URL, `insert into snap values (${30001 + i}, 1, 'new'); update snap set v = v + 1 where id in (${1 + i * 700}, ${29000 - i * 3}); delete from snap where id = ${15000 + i}`);
  }
  const running = await cap;
  try {
    const want = await tableState(env);
    const changes = await eventually('the snapshot and the concurrent changes', async () => {
      const c = await changesOf(env, 'snap');
      const got = project(replay(c));
      return got.size === want.size && [...want].every(([k, r]) => JSON.stringify(got.get(k)) === JSON.stringify(r)) ? c : undefined;
    }, 120_000);
    const reads = changes.filter((c) => c.value!.op === 'r');
    assert.ok(reads.length >= 29960 && reads.length <= 30040, `snapshot rows ${reads.length}`);
    assert.equal(reads[0]!.value!.source.snapshot, 'first');
    assert.equal(reads.at(-1)!.value!.source.snapshot, 'last');
    assert.ok(reads.slice(1, -1).every((c) => c.value!.source.snapshot === 'true'));
  } finally {
    await running.stop();
    await dropSlot(env);
  }
});

test('a snapshot killed with kill -9 resumes after the last chunk the broker holds, without duplicates', { timeout: 300_000 }, async () => {
  const env = await cdcTestEnv({ CDC_SNAPSHOT_CHUNK_SIZE: '200' });
  await sql(env.DATABASE_URL, `create table snap (id int primary key, v int not null, pad text);
    insert into snap select g, 0, repeat('y', 200) from generate_series(1, 20000) g`);
  const child = (await import('node:child_process')).spawn(process.execPath, ['bin/lakehouse.js', 'cdc'], { env: { ...process.env, ...env }, stdio: 'ignore' });
  try {
    await eventually('part of the snapshot on the broker', async () => {
      const n = (await changesOf(env, 'snap')).length;
      return n > 3000 && n < 19000;
    }, 60_000, );
  } finally {
    child.kill('SIGKILL');
  }
  await new Promise((r) => child.once('exit', r));
  const partial = (await changesOf(env, 'snap')).length;
  assert.ok(partial < 20000, 'killed mid-snapshot');
  const again = await spawnCapture(env);
  try {
    const changes = await eventually('the whole snapshot', async () => {
      const c = await changesOf(env, 'snap');
      return c.length >= 20000 ? c : undefined;
    }, 120_000);
    const ids = changes.map((c) => Number(c.value!.after!.id));
    assert.equal(new Set(ids).size, 20000, 'every row');
    assert.equal(ids.length, 20000, 'no row twice');
    const state = await sql(env.DATABASE_URL, `select state->'snapshot'->>'status' as s from ${'lakehouse_cdc'}.capture_state where slot = $1`, [env.CDC_SLOT]);
    assert.equal(state.rows[0].s, 'done');
  } finally {
    again.kill('SIGTERM');
    await new Promise((r) => again.once('exit', r));
    await dropSlot(env);
  }
});

test('snapshot modes: never streams only; when_needed snapshots again when the slot was lost', { timeout: 300_000 }, async () => {
  const env = await cdcTestEnv({ CDC_SNAPSHOT_MODE: 'never' });
  await sql(env.DATABASE_URL, `create table snap (id int primary key, v int not null, pad text); insert into snap values (1, 0, 'a'), (2, 0, 'b')`);
  let cap = await startCapture(env);
  await sql(env.DATABASE_URL, `insert into snap values (3, 0, 'c')`);
  let changes = await eventually('the live insert', async () => {
    const c = await changesOf(env, 'snap');
    return c.length >= 1 ? c : undefined;
  });
  assert.deepEqual(changes.map((c) => c.value!.op), ['c'], 'no snapshot rows in mode never');
  await cap.stop();

  await dropSlot(env);
  cap = await startCapture({ ...env, CDC_SNAPSHOT_MODE: 'when_needed' });
  try {
    changes = await eventually('a new snapshot', async () => {
      const c = await changesOf(env, 'snap');
      return c.filter((x) => x.value!.op === 'r').length >= 3 ? c : undefined;
    });
    assert.deepEqual(changes.filter((x) => x.value!.op === 'r').map((c) => c.value!.after!.id).sort(), [1, 2, 3]);
  } finally {
    await cap.stop();
    await dropSlot(env);
  }
});
