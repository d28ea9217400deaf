// The demo data has the shapes and proportions the source projects describe.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import pg from 'pg';
import { freshDatabase, testStack } from '../test/support/stack.js';
import { locateAddress } from '../lake/gold/commute/gazetteer.js';
import { greatCircleKm } from '../lake/gold/commute/routing.js';
import { STADIUMS } from './reference-data.js';

async function query<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(text)).rows;
  } finally {
    await c.end();
  }
}

function generate(url: string, ...args: string[]) {
  const res = spawnSync(process.execPath, ['bin/lakehouse.js', 'generate', ...args], { encoding: 'utf8', env: { ...process.env, DATABASE_URL: url } });
  assert.equal(res.status, 0, res.stderr);
  return res;
}

test('generate fills the HR, activity and stadium tables as the source projects describe them', { timeout: 120_000 }, async () => {
  const url = await freshDatabase(await testStack());
  generate(url, '--duration', '2', '--rate', '20');

  const [hr] = await query<Record<string, string>>(url, `select count(*)::int as n, count(distinct business_unit)::int as units,
      min(gross_salary)::float as min_salary, max(gross_salary)::float as max_salary, min(paid_leave_days) as min_leave, max(paid_leave_days) as max_leave,
      avg((declared_sport is null)::int)::float as no_sport, count(distinct contract_type)::int as contracts from employees`);
  assert.equal(Number(hr!.n), 161);
  assert.equal(Number(hr!.units), 5);
  assert.ok(Number(hr!.min_salary) >= 25570 && Number(hr!.max_salary) <= 74990, 'salaries within the HR range');
  assert.ok(Number(hr!.min_leave) >= 25 && Number(hr!.max_leave) <= 29);
  assert.ok(Number(hr!.no_sport) > 0.25 && Number(hr!.no_sport) < 0.55, `about 40 % without a declared sport, got ${hr!.no_sport}`);
  assert.equal(Number(hr!.contracts), 2);
  const modes = (await query<{ commute_mode: string }>(url, 'select distinct commute_mode from employees order by 1')).map((r) => r.commute_mode);
  assert.deepEqual(modes, ['Marche/running', 'Transports en commun', 'Vélo/Trottinette/Autres', 'véhicule thermique/électrique'].sort());
  const [over] = await query<{ n: number }>(url, `select count(*)::int as n from employees where (commute_mode = 'Marche/running' and commute_distance_km > 15) or (commute_mode = 'Vélo/Trottinette/Autres' and commute_distance_km > 25)`);
  assert.ok(over!.n > 0, 'some declarations are over the limit, for HR to see');
  // every home address is a real commune, and most sporting declarations match it
  const office = locateAddress('1362 Av. des Platanes, 34970 Lattes');
  assert.ok(office.found);
  const homes = await query<{ address: string; commute_mode: string; km: string }>(url, 'select address, commute_mode, commute_distance_km::text as km from employees');
  let sporting = 0;
  let matching = 0;
  const far: string[] = [];
  for (const h of homes) {
    const home = locateAddress(h.address);
    assert.ok(home.found, `${h.address}: ${home.found ? '' : home.reason}`);
    if (!/^(Marche|Vélo)/.test(h.commute_mode)) continue;
    sporting++;
    const computed = greatCircleKm(home.commune, office.commune) * 1.3;
    if (Math.abs(computed - Number(h.km)) <= Math.max(5, 0.3 * computed)) matching++;
    if (computed > 30) far.push(home.commune.name);
  }
  assert.ok(matching / sporting > 0.7, `most sporting declarations match the address: ${matching} of ${sporting}`);
  assert.ok(far.length > 0, 'some sporting commuters live beyond their limit, for HR to see');

  const [acts] = await query<Record<string, string>>(url, `select count(*)::int as n, min(start_time) as first, max(end_time) as last,
      count(*) filter (where sport_type = 'Escalade' and distance_m is not null)::int as climbing_with_distance,
      count(*) filter (where end_time <= start_time)::int as backwards from activities`);
  assert.ok(Number(acts!.n) > 2000, `thousands of activities, got ${acts!.n}`);
  assert.ok(new Date(acts!.last!).getTime() - new Date(acts!.first!).getTime() > 300 * 86400000, 'about twelve months');
  assert.equal(Number(acts!.climbing_with_distance), 0, 'no distance where it means nothing');
  assert.equal(Number(acts!.backwards), 0);
  const [live] = await query<{ n: number }>(url, `select count(*)::int as n from activities where start_time > now() - interval '1 day' and end_time > now() - interval '1 minute'`);
  assert.ok(live!.n > 10, `live activities were inserted, got ${live!.n}`);

  const stadiums = await query<{ name: string; city: string; capacity: number }>(url, 'select name, city, capacity from stadiums order by stadium_id');
  assert.deepEqual(stadiums, STADIUMS.map((s) => ({ name: s.name, city: s.city, capacity: s.capacity })));
  const stages = await query<{ stage: string; n: number }>(url, 'select stage, count(*)::int as n from matches group by 1 order by 1');
  assert.deepEqual(Object.fromEntries(stages.map((s) => [s.stage, s.n])), { final: 1, group: 36, quarter_final: 4, round_of_16: 8, semi_final: 2, third_place: 1 });
  const [readings] = await query<{ n: number; matches: number }>(url, 'select count(*)::int as n, count(distinct match_id)::int as matches from crowd_readings');
  assert.equal(readings!.matches, 52);
});

test('the same seed gives the same data set, and a second run leaves loaded tables alone', { timeout: 120_000 }, async () => {
  const stack = await testStack();
  const a = await freshDatabase(stack);
  const b = await freshDatabase(stack);
  generate(a, '--duration', '0', '--seed', '7');
  generate(b, '--duration', '0', '--seed', '7');
  const sig = (url: string) => query<{ s: string }>(url, `select md5(string_agg(employee_id || last_name || gross_salary || coalesce(declared_sport, ''), ',' order by employee_id)) as s from employees`);
  assert.deepEqual(await sig(a), await sig(b));
  const before = await query<{ n: number }>(a, 'select count(*)::int as n from activities');
  generate(a, '--duration', '0', '--seed', '8');
  assert.deepEqual(await query<{ n: number }>(a, 'select count(*)::int as n from activities'), before);
});
