// The gate behind silver's seam (lake/silver/gate.ts): bronze rows in, rows that may go on out;
// foreign keys looked up in silver's Delta tables; verdicts recorded once per bronze version;
// unchanged TOASTed values judged as silver holds them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { QualityGate } from './gate.js';
import { qualityChangeGate } from './silver-gate.js';
import { DeltaTable, type Row } from '../lake/index.js';
import { tempLake } from '../lake/testing/tmp.js';
import { lakeRow } from './testing/demo-records.js';
import { makeActivity, makeEmployees, rng } from '../demo/generate.js';

const NOW = new Date();
let offset = 0;

function bronze(row: Record<string, unknown>, op: string, extra: Record<string, unknown> = {}): Row {
  offset++;
  return { ...row, _op: op, _lsn: BigInt(1000 + offset), _tx_id: 7n, _source_ts: NOW, _snapshot: false, _position: String(offset).padStart(10, '0'), _toasted: null, _ingested_at: NOW, _topic: 't', _partition: 0, _offset: BigInt(offset), _ingest_date: '2025-06-01', ...extra };
}

test('silver\'s gate: quarantined changes are held back, deletes always go on, verdicts are recorded once per bronze version', async (t) => {
  const lake = tempLake(t);
  const r = rng(4);
  const [alice, bob] = makeEmployees(r, 2);
  const employees = await DeltaTable.create(lake, 'silver/public/employees', { columns: [{ name: 'employee_id', type: 'integer' }, { name: 'address', type: 'string' }] });
  await employees.append([{ employee_id: alice!.employee_id, address: alice!.address }]);
  // judged at once: waiting for a late referenced row is the next test's subject
  const gate = qualityChangeGate(QualityGate.load(), lake, { foreignKeyWaitMs: 0 });

  assert.deepEqual(gate.order(['x.other', 'public.crowd_readings', 'public.activities', 'public.matches', 'public.employees', 'public.stadiums']),
    ['public.employees', 'public.activities', 'public.stadiums', 'public.matches', 'public.crowd_readings', 'x.other']);

  const act = (employeeId: number, id: number) => lakeRow('public.activities', { ...makeActivity(r, alice!, new Date(NOW.getTime() - 7200_000)), activity_id: id, employee_id: employeeId, sport_type: 'Boxe', distance_m: null });
  const changes = [
    bronze(act(alice!.employee_id, 1), 'c'),
    bronze(act(bob!.employee_id, 2), 'c'), // bob is not in silver
    bronze({ activity_id: 3n, employee_id: null, start_time: null, sport_type: null, distance_m: null, elapsed_s: null, end_time: null, comment: null }, 'd'),
    bronze(act(alice!.employee_id, 4), 'u'),
  ];
  const check = await gate.check('public.activities', changes, ['activity_id']);
  assert.equal(check.failure, undefined);
  assert.deepEqual(check.passed, [changes[0], changes[2], changes[3]], 'the unknown employee\'s activity is held back; the delete goes on');

  await check.record(12);
  await check.record(12); // silver failed after recording and ran the batch again
  const q = await (await DeltaTable.open(lake, 'quarantine/public/activities')).rows();
  assert.deepEqual(q.map((x) => [x.key_json, x.rule, x.position, x.lsn]), [['{"activity_id":2}', 'employee_exists', changes[1]!._position, changes[1]!._lsn]]);
  const record = JSON.parse(String(q[0]!.record_json)) as Record<string, unknown>;
  assert.equal(record._op, undefined, 'the raw record is the source row, without bronze metadata');
  assert.equal(record.employee_id, bob!.employee_id);
  const results = await DeltaTable.open(lake, 'quality_results');
  assert.equal((await results.rows()).length, QualityGate.load().rules('public.activities').length, 'one row per rule, once');
  assert.equal(results.txnVersion('bronze/public/activities'), 12);
});

test('a foreign-key failure waits while the referenced table is missing or behind, and is judged once the wait is over', async (t) => {
  const lake = tempLake(t);
  const r = rng(5);
  const [alice] = makeEmployees(r, 1);
  const gate = qualityChangeGate(QualityGate.load(), lake, { foreignKeyWaitMs: 60_000 });
  const act = (id: number, ts: Date) =>
    bronze(lakeRow('public.activities', { ...makeActivity(r, alice!, new Date(NOW.getTime() - 7200_000)), activity_id: id, sport_type: 'Boxe', distance_m: null }), 'c', { _source_ts: ts });
  // what the log says meanwhile: a held batch is judged again later, so its verdict is not reported
  const logged: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: never[]) => (logged.push(String(chunk)), write(chunk, ...rest))) as typeof process.stderr.write;
  t.after(() => void (process.stderr.write = write));
  const fresh = await gate.check('public.activities', [act(1, new Date(Date.now() - 5000))], ['activity_id']);
  assert.match(fresh.hold ?? '', /public\.employees, whose bronze table does not exist yet/, 'held: the employees have not arrived');
  assert.deepEqual(fresh.passed, []);
  const justNow = await gate.check('public.activities', [act(2, new Date())], ['activity_id']);
  assert.match(justNow.hold ?? '', /within 2 s of their commit/);
  const old = await gate.check('public.activities', [act(3, new Date(Date.now() - 61_000))], ['activity_id']);
  assert.equal(old.hold, undefined, 'after the wait the record is judged: quarantined');
  assert.deepEqual(old.passed, []);
  assert.deepEqual(logged.filter((l) => /below its mostly/.test(l)), [], 'no warning for verdicts silver did not act on');
  await old.record(1);
  const warned = logged.filter((l) => /rule employee_exists .*below its mostly/.test(l));
  assert.equal(warned.length, 1, `the judged batch is reported once:\n${logged.join('')}`);
  assert.match(warned[0]!, /failed=1 evaluated=1/);
});

test('silver\'s gate judges an update with an unchanged TOASTed value as silver holds it', async (t) => {
  const lake = tempLake(t);
  const r = rng(6);
  const [emp] = makeEmployees(r, 1);
  const row = lakeRow('public.employees', emp as never);
  const silver = await DeltaTable.create(lake, 'silver/public/employees', {
    columns: Object.entries(row).map(([name, v]) => ({ name, type: typeof v === 'number' ? 'integer' : name === 'gross_salary' ? 'decimal(10,2)' : name === 'commute_distance_km' ? 'decimal(6,2)' : 'string' })),
  });
  await silver.append([row]);
  const gate = qualityChangeGate(QualityGate.load(), lake);
  // the address did not change and was too big for the WAL record: bronze has null and names it
  const update = bronze({ ...row, address: null, paid_leave_days: 27 }, 'u', { _toasted: ['address'] });
  const other = bronze({ ...row, employee_id: 424242, address: null }, 'u', { _toasted: ['address'] }); // nothing in silver to take it from
  const check = await gate.check('public.employees', [update, other], ['employee_id']);
  assert.deepEqual(check.passed, [update], 'judged with silver\'s address');
  assert.equal(update.address, null, 'the bronze row itself is left as it is, for silver to fill');
  await check.record(1);
  const q = await (await DeltaTable.open(lake, 'quarantine/public/employees')).rows();
  assert.deepEqual(q.map((x) => [x.key_json, x.message]), [['{"employee_id":424242}', '/address must be string']]);
});
