// The quality gate in the running pipeline (PostgreSQL → capture → broker → bronze → gate → silver
// → gold): each kind of bad row lands in quarantine with the rule that caught it, no good row does,
// silver and gold hold exactly the good rows, and fixing the source row sends it through. A `fail`
// rule stops silver before it commits anything of the batch; after the fix, a restart loses nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { cdcTestEnv, dropSlot, eventually, startCapture } from '../test/support/cdc.js';
import { configOf, lakeEnv, startBronze, startSilver, tableRows, tempLake } from '../test/support/pipeline.js';
import { BAD_ROW_KINDS, BAD_ROW_TABLE, makeBadActivity, makeZeroSalaryEmployee } from '../demo/bad-rows.js';
import { createDemoSchema, loadDemoData, makeActivity, makeEmployees, rng } from '../demo/generate.js';
import { goldEngineOptions } from '../lake/gold/command.js';
import { GoldEngine } from '../lake/gold/engine.js';
import { GoldFollower } from '../lake/gold/follower.js';
import { DeltaTable } from '../lake/index.js';
import { DEFAULT_RULES_DIR, QualityGate } from './gate.js';
import { qualityChangeGate } from './silver-gate.js';
import { EXPECTED_RULE } from './testing/bad-row-rules.js';

const SEED = 7;

async function insertActivity(db: pg.Client, a: ReturnType<typeof makeActivity>): Promise<number> {
  const res = await db.query<{ activity_id: string }>(
    `insert into activities (employee_id, start_time, sport_type, distance_m, elapsed_s, end_time, comment) values ($1, $2, $3, $4, $5, $6, $7) returning activity_id`,
    [a.employee_id, a.start_time, a.sport_type, a.distance_m, a.elapsed_s, a.end_time, a.comment],
  );
  return Number(res.rows[0]!.activity_id);
}

const ids = (rows: Array<Record<string, unknown>>, column: string) => rows.map((r) => Number(r[column])).sort((a, b) => a - b);

test('bad rows go to quarantine with the rule that caught them; silver and gold hold exactly the good rows', { timeout: 300_000 }, async () => {
  const env = await cdcTestEnv();
  const lake = tempLake();
  const db = new pg.Client({ connectionString: env.DATABASE_URL });
  await db.connect();
  await createDemoSchema(db, false);
  await loadDemoData(db, SEED);
  const wenv = lakeEnv(env, lake.root);
  const config = configOf(wenv);
  const capture = await startCapture(env);
  const bronze = await startBronze(wenv);
  const silver = startSilver(wenv, qualityChangeGate(QualityGate.load(DEFAULT_RULES_DIR), lake.root));
  const gold = new GoldFollower(new GoldEngine(goldEngineOptions(config)), { pollIntervalMs: 200, sourceSchema: 'public', full: false });
  const goldDone = gold.run();
  try {
    const r = rng(SEED + 1);
    const employees = makeEmployees(rng(SEED));
    const now = new Date();
    const badIds = new Map<string, { table: string; key: number }>();
    const good: number[] = [];
    for (const kind of BAD_ROW_KINDS) {
      if (BAD_ROW_TABLE[kind] === 'employees') {
        const e = makeZeroSalaryEmployee(r, 100001);
        await db.query(
          `insert into employees (employee_id, last_name, first_name, birth_date, business_unit, hire_date, gross_salary, contract_type, paid_leave_days, address, commute_mode, commute_distance_km, declared_sport)
           values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)`,
          [e.employee_id, e.last_name, e.first_name, e.birth_date, e.business_unit, e.hire_date, e.gross_salary, e.contract_type, e.paid_leave_days, e.address, e.commute_mode, e.commute_distance_km, e.declared_sport],
        );
        badIds.set(kind, { table: 'public.employees', key: e.employee_id });
      } else {
        badIds.set(kind, { table: 'public.activities', key: await insertActivity(db, makeBadActivity(r, kind as Exclude<typeof kind, 'zero_salary'>, employees[3]!.employee_id, now)) });
      }
      good.push(await insertActivity(db, makeActivity(r, employees[(good.length * 7) % employees.length]!, new Date(now.getTime() - 3_600_000))));
    }

    // every bad row in quarantine, once, with the rule meant for it
    const quarantined = await eventually('a quarantined row for each bad kind', async () => {
      const rows = [...(await tableRows(lake.root, 'quarantine/public/activities')), ...(await tableRows(lake.root, 'quarantine/public/employees'))];
      return rows.length >= BAD_ROW_KINDS.length ? rows : undefined;
    }, 120_000);
    assert.equal(quarantined.length, BAD_ROW_KINDS.length, 'one quarantine row per bad row, no good row among them');
    for (const kind of BAD_ROW_KINDS) {
      const { table, key } = badIds.get(kind)!;
      const keyColumn = table === 'public.employees' ? 'employee_id' : 'activity_id';
      const q = quarantined.find((x) => x.table_name === table && JSON.parse(String(x.key_json))[keyColumn] === key);
      assert.ok(q, `${kind}: row ${key} of ${table} is in quarantine`);
      assert.equal(q.rule, EXPECTED_RULE[kind].rule, `${kind} caught by ${EXPECTED_RULE[kind].rule}`);
      assert.match(String(q.message), EXPECTED_RULE[kind].message);
      assert.ok(String(q.record_json).length > 10, 'the raw record is kept');
    }

    // fixing a source row sends the corrected change through
    const fixed = badIds.get('negative_distance')!.key;
    await db.query('update activities set distance_m = 5000 where activity_id = $1', [fixed]);

    const badActivities = new Set([...badIds.values()].filter((b) => b.table === 'public.activities' && b.key !== fixed).map((b) => b.key));
    const source = ids((await db.query('select activity_id from activities')).rows, 'activity_id');
    const expected = source.filter((id) => !badActivities.has(id));
    await eventually('silver activities = the good source rows', async () => {
      const got = ids(await tableRows(lake.root, 'silver/public/activities'), 'activity_id');
      return JSON.stringify(got) === JSON.stringify(expected) || undefined;
    }, 120_000);
    const silverEmployees = ids(await tableRows(lake.root, 'silver/public/employees'), 'employee_id');
    assert.ok(!silverEmployees.includes(100001), 'the employee paid nothing is not in silver');
    assert.equal(silverEmployees.length, (await db.query('select 1 from employees')).rowCount! - 1);
    await eventually('gold activities = silver activities', async () => {
      const got = ids(await tableRows(lake.root, 'gold/activities_enriched'), 'activity_id');
      return JSON.stringify(got) === JSON.stringify(expected) || undefined;
    }, 120_000);
    const benefits = await tableRows(lake.root, 'gold/employee_benefits');
    assert.ok(!benefits.some((b) => Number(b.employee_id) === 100001), 'a quarantined employee has no benefits row');
  } finally {
    await gold.stop();
    await goldDone.catch(() => undefined);
    await silver.stop().catch(() => undefined);
    await bronze.stop();
    await capture.stop();
    await db.end();
    await dropSlot(env);
    lake.remove();
  }
});

test('a fail rule stops silver before it commits the batch; after the fix a restart loses nothing', { timeout: 300_000 }, async () => {
  const env = await cdcTestEnv();
  const lake = tempLake();
  const rulesDir = mkdtempSync(join(tmpdir(), 'lakehouse-rules-'));
  cpSync(DEFAULT_RULES_DIR, rulesDir, { recursive: true });
  const file = join(rulesDir, 'public.activities.expectations.json');
  const original = readFileSync(file, 'utf8');
  writeFileSync(file, original.replace(/("name": "distance_plausible"[^}]*"action": )"quarantine"/, '$1"fail"'));
  assert.notEqual(readFileSync(file, 'utf8'), original, 'the rule was made a fail rule');
  const db = new pg.Client({ connectionString: env.DATABASE_URL });
  await db.connect();
  await createDemoSchema(db, false);
  await loadDemoData(db, SEED);
  const wenv = lakeEnv(env, lake.root);
  const capture = await startCapture(env);
  const bronze = await startBronze(wenv);
  try {
    const r = rng(SEED + 2);
    const employees = makeEmployees(rng(SEED));
    await eventually('the snapshot in bronze', async () => (await tableRows(lake.root, 'bronze/public/activities')).length > 1000 || undefined, 120_000);
    const stopped = startSilver(wenv, qualityChangeGate(QualityGate.load(rulesDir), lake.root));
    await eventually('silver caught up with the snapshot', async () => (await tableRows(lake.root, 'silver/public/activities')).length > 1000 || undefined, 120_000);
    const before = await insertActivity(db, makeActivity(r, employees[1]!, new Date(Date.now() - 7_200_000)));
    const absurd = await insertActivity(db, makeBadActivity(r, 'absurd_distance', employees[2]!.employee_id, new Date()));
    const after = await insertActivity(db, makeActivity(r, employees[5]!, new Date(Date.now() - 3_600_000)));
    await assert.rejects(stopped.done, (e: Error) => /quality rule "distance_plausible" failed on public\.activities/.test(e.message), 'silver stops on the fail rule, naming it');
    const silverNow = ids(await tableRows(lake.root, 'silver/public/activities'), 'activity_id');
    assert.ok(!silverNow.includes(absurd), 'nothing of the failing batch was committed');
    const s = await DeltaTable.open(lake.root, 'silver/public/activities');
    const b = await DeltaTable.open(lake.root, 'bronze/public/activities');
    assert.ok((s.txnVersion('bronze/public/activities') ?? -1) < b.version, 'silver did not move past the batch');

    // the fix: the rule quarantines again; silver restarts where it stopped
    writeFileSync(file, original);
    const restarted = startSilver(wenv, qualityChangeGate(QualityGate.load(rulesDir), lake.root));
    try {
      await eventually('the good rows in silver, the bad one in quarantine', async () => {
        const got = ids(await tableRows(lake.root, 'silver/public/activities'), 'activity_id');
        const q = await tableRows(lake.root, 'quarantine/public/activities');
        return (got.includes(before) && got.includes(after) && !got.includes(absurd) && q.some((x) => JSON.parse(String(x.key_json)).activity_id === absurd)) || undefined;
      }, 120_000);
      const source = ids((await db.query('select activity_id from activities where activity_id <> $1', [absurd])).rows, 'activity_id');
      assert.deepEqual(ids(await tableRows(lake.root, 'silver/public/activities'), 'activity_id'), source, 'no change lost across the stop');
    } finally {
      await restarted.stop();
    }
  } finally {
    await bronze.stop();
    await capture.stop();
    await db.end();
    await dropSlot(env);
    lake.remove();
    rmSync(rulesDir, { recursive: true, force: true });
  }
});
