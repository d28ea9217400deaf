// The project's rules on the demo data: each kind of bad row `lakehouse generate --bad-rate`
// sends is quarantined by the rule meant for it and by no other; the kinds PostgreSQL cannot hold
// are fed to the gate directly; the good rows of every table pass every rule.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { QualityGate, type GateContext, type GateRecord } from './gate.js';
import { DEMO_COLUMNS, demoRecords } from './testing/demo-records.js';
import { makeActivity, makeEmployees, makeHistory, makeMatches, makeReadings, rng, type Employee } from '../demo/generate.js';
import { BAD_ROW_KINDS, BAD_ROW_TABLE, makeBadActivity, makeZeroSalaryEmployee, type BadRowKind } from '../demo/bad-rows.js';
import { GATES, STADIUMS } from '../demo/reference-data.js';
import { EXPECTED_RULE } from './testing/bad-row-rules.js';

const NOW = new Date();
const gate = QualityGate.load();
const r = rng(11);
const employees = makeEmployees(r);
const matches = makeMatches(r);
let nextId = 1;
const id = () => nextId++;

/** Silver as the gate would find it: the demo's reference tables. */
const silver: Record<string, Record<string, Set<string>>> = {
  'public.employees': { employee_id: new Set(employees.map((e) => String(e.employee_id))) },
  'public.stadiums': { stadium_id: new Set(STADIUMS.map((s) => String(s.id))) },
  'public.matches': { match_id: new Set(matches.map((m) => String(m.match_id))) },
};
const ctx: GateContext = {
  now: () => NOW,
  lookup: async (table, column, values) => new Set(values.map(String).filter((v) => silver[table]?.[column]?.has(v))),
};


function badRecord(kind: BadRowKind): GateRecord {
  const rb = rng(BAD_ROW_KINDS.indexOf(kind) + 100);
  if (BAD_ROW_TABLE[kind] === 'employees') return demoRecords('public.employees', [makeZeroSalaryEmployee(rb, 100000 + nextId++) as never], 'c')[0]!;
  const a = makeBadActivity(rb, kind as Exclude<BadRowKind, 'zero_salary'>, employees[3]!.employee_id, NOW);
  return demoRecords('public.activities', [a as never], 'c', id)[0]!;
}

function liveActivities(n: number): GateRecord[] {
  const rl = rng(5);
  const rows = Array.from({ length: n }, (_, i) => {
    const a = makeActivity(rl, employees[i % employees.length]!, NOW);
    return { ...a, start_time: new Date(NOW.getTime() - a.elapsed_s * 1000).toISOString(), end_time: NOW.toISOString() };
  });
  return demoRecords('public.activities', rows as never, 'c', id);
}

for (const kind of BAD_ROW_KINDS) {
  test(`bad row "${kind}" is quarantined by ${EXPECTED_RULE[kind].rule}, and by that rule only`, async () => {
    const table = `public.${BAD_ROW_TABLE[kind]}`;
    const bad = badRecord(kind);
    const good = table === 'public.activities' ? liveActivities(50) : demoRecords(table, employees.slice(0, 50) as never, 'c');
    const mixed = [...good.slice(0, 25), bad, ...good.slice(25)];
    const out = await gate.check(table, mixed, ctx);
    assert.equal(out.failure, undefined);
    assert.equal(out.quarantined.length, 1, `only the bad row: ${JSON.stringify(out.quarantined.map((q) => q.message))}`);
    const q = out.quarantined[0]!;
    assert.equal(q.record, bad);
    assert.equal(q.rule, EXPECTED_RULE[kind].rule);
    assert.match(q.message, EXPECTED_RULE[kind].message, 'no other quarantine rule caught it ("also ...")');
    assert.deepEqual(out.passed, [...good.slice(0, 25), ...good.slice(25)]);
    const result = out.results.find((x) => x.rule === EXPECTED_RULE[kind].rule)!;
    assert.equal(result.failed, 1);
    assert.deepEqual(result.sampleKeys, [JSON.stringify(Object.fromEntries(Object.entries(bad.key).map(([k, v]) => [k, Number(v)])))]);
  });
}

test('text where a number belongs (PostgreSQL refuses it, so generate cannot send it): the schema quarantines it', async () => {
  const salary = demoRecords('public.employees', [employees[0]! as never], 'u');
  salary[0]!.row.gross_salary = 'trente mille'; // past lakeRow's decimal parsing, as a wrong upstream type would arrive
  const distance = liveActivities(1);
  distance[0]!.row.sport_type = 'Runing';
  distance[0]!.row.distance_m = '10 km';
  const people = demoRecords('public.crowd_readings', [{ match_id: 1, read_at: NOW.toISOString(), gate: 'A', people_counted: 100, ticket_scans: 90, weather_risk: '0.100' }], 'c', id);
  people[0]!.row.people_counted = '12 000';
  const results = await gate.checkAll({ 'public.employees': salary, 'public.activities': distance, 'public.crowd_readings': people }, ctx);
  assert.deepEqual(
    Object.values(results).flatMap((o) => o.quarantined.map((q) => [q.record.table, q.rule, q.message])),
    [
      ['public.employees', 'schema', '/gross_salary must be number'],
      ['public.activities', 'schema', '/distance_m must be number or null'],
      ['public.crowd_readings', 'schema', '/people_counted must be integer'],
    ],
  );
});

test('the good demo rows of every table pass every rule, warnings included', async () => {
  nextId = 1_000_000;
  const readings = matches.slice(0, 20).flatMap((m) => makeReadings(r, m));
  const rl = rng(9);
  const liveReadings = Array.from({ length: 200 }, (_, i) => ({ match_id: matches[Math.floor(rl() * matches.length)]!.match_id, read_at: new Date(NOW.getTime() - i * 1000).toISOString(), gate: GATES[Math.floor(rl() * 4)]!, people_counted: 5000, ticket_scans: 4800, weather_risk: '0.300' }));
  const batches = {
    'public.employees': demoRecords('public.employees', employees as never, 'r'),
    'public.activities': [...demoRecords('public.activities', makeHistory(r, employees, NOW) as never, 'r', id), ...liveActivities(500)],
    'public.stadiums': demoRecords('public.stadiums', STADIUMS.map((s) => ({ stadium_id: s.id, name: s.name, city: s.city, capacity: s.capacity })), 'r'),
    'public.matches': demoRecords('public.matches', matches as never, 'r'),
    'public.crowd_readings': [...demoRecords('public.crowd_readings', readings as never, 'r', id), ...demoRecords('public.crowd_readings', liveReadings, 'c', id)],
  };
  const out = await gate.checkAll(batches, ctx);
  for (const [table, o] of Object.entries(out)) {
    assert.equal(o.quarantined.length, 0, `${table}: ${o.quarantined.slice(0, 3).map((q) => `${q.rule}: ${q.message}`).join(' | ')}`);
    assert.equal(o.passed.length, batches[table as keyof typeof batches].length);
    assert.equal(o.failure, undefined);
    const broken = o.results.filter((x) => x.failed > 0).map((x) => `${x.rule} ${x.failed}/${x.evaluated} ${x.sampleKeys[0]}`);
    assert.deepEqual(broken, [], `${table}: no rule fails on good rows`);
    assert.ok(o.results.every((x) => x.evaluated > 0 || x.expectation === 'freshness' || x.expectation === 'unique'), `${table}: every rule saw records`);
  }
  assert.ok(batches['public.activities'].length > 2000);
});

test('each demo table\'s schema declares every column of the DDL, and requires exactly the NOT NULL ones', () => {
  for (const [table, columns] of DEMO_COLUMNS) {
    const files = gate.files(table)!;
    assert.ok(files, `${table} has rules`);
    const schema = JSON.parse(readFileSync(files.schema, 'utf8')) as { properties: Record<string, { type: string | string[] }>; required: string[] };
    assert.deepEqual(Object.keys(schema.properties).sort(), columns.map((c) => c.name).sort(), table);
    assert.deepEqual([...schema.required].sort(), columns.filter((c) => c.notNull).map((c) => c.name).sort(), `${table}: required = NOT NULL`);
    for (const c of columns) {
      const types = [schema.properties[c.name]!.type].flat();
      assert.equal(types.includes('null'), !c.notNull, `${table}.${c.name} allows null exactly when the DDL does`);
    }
  }
});
