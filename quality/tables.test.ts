// The quarantine and quality_results Delta tables as other engines read them (Python deltalake,
// i.e. delta-rs), and exactly once per txn: a replayed batch writes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { QualityGate, type GateContext } from './gate.js';
import { writeQuarantine, QUARANTINE_COLUMNS } from './quarantine-table.js';
import { writeQualityResults } from './results-table.js';
import { deltalakeRead, pyFloat } from '../lake/testing/deltalake-oracle.js';
import { tempLake } from '../lake/testing/tmp.js';
import { DeltaTable } from '../lake/index.js';
import { demoRecords } from './testing/demo-records.js';
import { makeBadActivity } from '../demo/bad-rows.js';
import { makeActivity, makeEmployees, rng } from '../demo/generate.js';

const AT = new Date('2025-06-01T12:00:00.000Z');
const ctx: GateContext = { now: () => AT, lookup: async (_t, _c, values) => new Set(values.map(String).filter((v) => v !== '42')) };

async function demoOutcome() {
  const r = rng(3);
  const [e] = makeEmployees(r, 1);
  let id = 1000;
  const good = makeActivity(r, e!, new Date('2025-06-01T08:00:00Z'));
  const recs = demoRecords('public.activities', [
    good as never,
    { ...makeBadActivity(r, 'unknown_employee', 1, AT), employee_id: 42, comment: 'Sortie "<b>nocturne</b>", 12,5 km' } as never,
    makeBadActivity(r, 'end_before_start', e!.employee_id, AT) as never,
  ], 'c', () => id++);
  recs[1]!.lsn = 2n ** 40n; // an LSN past 2^32, kept exactly
  return { recs, out: await QualityGate.load().check('public.activities', recs, ctx) };
}

test('quarantine/<schema>/<table> holds each quarantined record with its rule, message, key, position, LSN and raw record; deltalake reads the same', async (t) => {
  const lake = tempLake(t);
  const { recs, out } = await demoOutcome();
  assert.equal(out.quarantined.length, 2);
  const res = await writeQuarantine(lake, 'public.activities', out.quarantined, { appId: 'bronze/public/activities', version: 7 }, AT);
  assert.deepEqual(res, { rows: 2, skipped: false, version: 1 });

  const [theirs] = deltalakeRead([{ path: join(lake, 'quarantine/public/activities') }]);
  assert.equal(theirs!.error, undefined);
  assert.deepEqual(theirs!.schema.fields.map((f) => f.name), QUARANTINE_COLUMNS.map((c) => c.name));
  const rows = theirs!.rows as Array<Record<string, string>>;
  const unknown = rows.find((x) => x.rule === 'employee_exists')!;
  assert.deepEqual(
    { ...unknown, record_json: undefined },
    {
      table_name: 'public.activities', key_json: '{"activity_id":1001}', position: recs[1]!.position, lsn: String(2n ** 40n), op: 'c',
      rule: 'employee_exists', message: 'employee_id = 42 has no row in public.employees (employee_id)', record_json: undefined, quarantined_at: `ts:${AT.getTime()}`,
    },
  );
  const raw = JSON.parse(unknown.record_json!) as Record<string, unknown>;
  assert.equal(raw.comment, 'Sortie "<b>nocturne</b>", 12,5 km');
  assert.equal(raw.distance_m, recs[1]!.row.distance_m, 'the decimal as its exact text, not a rounded number');
  assert.equal(raw.start_time, (recs[1]!.row.start_time as Date).toISOString());
  assert.equal(rows.find((x) => x.rule === 'ends_after_start')!.key_json, '{"activity_id":1002}');

  // a replay of the same batch (same txn) writes nothing
  const again = await writeQuarantine(lake, 'public.activities', out.quarantined, { appId: 'bronze/public/activities', version: 7 }, AT);
  assert.deepEqual(again, { rows: 0, skipped: true, version: 1 });
  const [after] = deltalakeRead([{ path: join(lake, 'quarantine/public/activities') }]);
  assert.equal(after!.version, 1);
  assert.equal(after!.rows!.length, 2);
  // the next batch is written
  await writeQuarantine(lake, 'public.activities', out.quarantined.slice(0, 1), { appId: 'bronze/public/activities', version: 8 }, AT);
  assert.equal((await DeltaTable.open(lake, 'quarantine/public/activities')).txnVersion('bronze/public/activities'), 8);
  assert.equal((await (await DeltaTable.open(lake, 'quarantine/public/activities')).rows()).length, 3);
  // nothing to quarantine: no commit at all
  assert.deepEqual(await writeQuarantine(lake, 'public.stadiums', [], { appId: 'bronze/public/stadiums', version: 1 }), { rows: 0, skipped: false, version: undefined });
});

test('quality_results holds one row per rule per batch; deltalake reads the same; a replayed txn writes nothing twice', async (t) => {
  const lake = tempLake(t);
  const { out } = await demoOutcome();
  const txn = { appId: 'bronze/public/activities', version: 3 };
  assert.equal((await writeQualityResults(lake, out.results, txn, AT)).rows, out.results.length);
  assert.equal((await writeQualityResults(lake, out.results, txn, AT)).skipped, true);
  const later = new Date(AT.getTime() + 60_000);
  await writeQualityResults(lake, out.results, { ...txn, version: 4 }, later);

  const [theirs] = deltalakeRead([{ path: join(lake, 'quality_results'), history: true }]);
  assert.equal(theirs!.error, undefined);
  assert.deepEqual(theirs!.partitionColumns, ['batch_date']);
  assert.equal(theirs!.rows!.length, out.results.length * 2, 'two batches, each once');
  const rows = theirs!.rows as Array<Record<string, unknown>>;
  const fk = rows.filter((x) => x.rule === 'employee_exists' && x.batch_time === `ts:${AT.getTime()}`);
  assert.deepEqual(fk, [{
    table_name: 'public.activities', rule: 'employee_exists', expectation: 'foreign_key', action: 'quarantine', evaluated: '3', failed: '1',
    fraction: pyFloat(1 / 3), mostly: '1.0', passed: 'false', sample_keys: ['{"activity_id":1001}'], batch_time: `ts:${AT.getTime()}`, batch_date: '2025-06-01',
  }]);
  assert.deepEqual(new Set(rows.map((x) => x.rule)), new Set(QualityGate.load().rules('public.activities').map((x) => x.name)));
  assert.equal(theirs!.version, 2);
});
