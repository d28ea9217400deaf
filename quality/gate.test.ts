// The gate's semantics on a small table of its own: mostly, the three actions, each expectation
// type, the JSON view of lake values, and what a table without rules does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { QualityGate, qualityFailure, type GateContext, type GateRecord } from './gate.js';
import { registry } from '../monitoring/metrics.js';
import { rulesDir } from './testing/rules-dir.js';

const NOW = new Date('2025-06-01T12:00:00.000Z');

const ORDERS_SCHEMA = {
  type: 'object',
  required: ['order_id', 'customer_id', 'amount', 'placed_at', 'status'],
  properties: {
    order_id: { type: 'integer' },
    customer_id: { type: 'integer' },
    amount: { type: 'number', exclusiveMinimum: 0 },
    placed_at: { type: 'string', format: 'date-time' },
    shipped_at: { type: ['string', 'null'], format: 'date-time' },
    status: { type: 'string' },
    coupon: { type: ['string', 'null'] },
    day: { type: 'string', format: 'date' },
    photo: { type: ['string', 'null'] },
  },
};
const CUSTOMERS_SCHEMA = { type: 'object', properties: { customer_id: { type: 'integer' }, email: { type: 'string' } } };

function gateWith(t: { after: (fn: () => void) => void }, expectations: unknown[], extra: Record<string, unknown> = {}): QualityGate {
  return QualityGate.load(
    rulesDir(t, {
      'shop.orders.schema.json': ORDERS_SCHEMA,
      'shop.orders.expectations.json': { expectations },
      'shop.customers.schema.json': CUSTOMERS_SCHEMA,
      'shop.customers.expectations.json': { expectations: [{ name: 'email_unique', type: 'unique', columns: ['email'], action: 'quarantine' }] },
      ...extra,
    }),
  );
}

let seq = 0;
function order(id: number, row: Record<string, unknown> = {}, op: GateRecord['op'] = 'c'): GateRecord {
  seq++;
  return {
    table: 'shop.orders',
    key: { order_id: BigInt(id) },
    position: String(seq).padStart(8, '0'),
    lsn: BigInt(seq),
    op,
    row: { order_id: BigInt(id), customer_id: 7, amount: '19.90', placed_at: new Date('2025-06-01T10:00:00Z'), shipped_at: null, status: 'paid', ...row },
  };
}
function customer(id: number, email: string, op: GateRecord['op'] = 'c'): GateRecord {
  seq++;
  return { table: 'shop.customers', key: { customer_id: id }, position: String(seq).padStart(8, '0'), lsn: null, op, row: { customer_id: id, email } };
}

function ctx(silver: Record<string, Record<string, unknown[]>> = {}, calls: unknown[][] = []): GateContext {
  return {
    now: () => NOW,
    lookup: async (table, column, values) => {
      calls.push([table, column, values]);
      const have = new Set((silver[table]?.[column] ?? []).map(String));
      return new Set(values.map(String).filter((v) => have.has(v)));
    },
  };
}

/** n orders, the first `bad` of which have a status outside the set. */
function batch(n: number, bad: number): GateRecord[] {
  return Array.from({ length: n }, (_, i) => order(i + 1, { status: i < bad ? 'lost' : 'paid' }));
}
const statusRule = (action: string, mostly: number) => ({ name: 'status_known', type: 'in_set', column: 'status', values: ['paid', 'shipped'], action, mostly });

test('mostly: a warn rule passes while the failing share stays within it, fails beyond, and its records go on either way', async (t) => {
  const gate = gateWith(t, [statusRule('warn', 0.9)]);
  const within = await gate.check('shop.orders', batch(20, 2), ctx());
  const r1 = within.results.find((r) => r.rule === 'status_known')!;
  assert.deepEqual([r1.evaluated, r1.failed, r1.fraction, r1.passed], [20, 2, 0.1, true], '18 of 20 pass = 0.9, exactly mostly');
  assert.equal(within.passed.length, 20);
  assert.equal(within.quarantined.length, 0);
  assert.equal(within.failure, undefined);
  assert.deepEqual(r1.sampleKeys, ['{"order_id":1}', '{"order_id":2}']);

  const beyond = await gate.check('shop.orders', batch(20, 3), ctx());
  const r2 = beyond.results.find((r) => r.rule === 'status_known')!;
  assert.deepEqual([r2.failed, r2.passed, r2.mostly, r2.action], [3, false, 0.9, 'warn']);
  assert.equal(beyond.passed.length, 20, 'warn never holds a record back');
  assert.equal(beyond.failure, undefined, 'warn never stops the stage');
});

test('mostly: a quarantine rule keeps every failing record out; mostly only decides whether the rule passed', async (t) => {
  const gate = gateWith(t, [statusRule('quarantine', 0.5)]);
  const out = await gate.check('shop.orders', batch(10, 3), ctx());
  const r = out.results.find((x) => x.rule === 'status_known')!;
  assert.equal(r.passed, true, '7 of 10 >= 0.5');
  assert.deepEqual(out.quarantined.map((q) => q.record.key.order_id), [1n, 2n, 3n]);
  assert.deepEqual(out.passed.map((p) => p.key.order_id), [4n, 5n, 6n, 7n, 8n, 9n, 10n]);
  assert.equal(out.quarantined[0]!.rule, 'status_known');
  assert.match(out.quarantined[0]!.message, /status = "lost" is not one of "paid", "shipped"/);
});

test('fail: beyond mostly the batch fails with the rule and a message that says what broke; within mostly the records go on', async (t) => {
  const gate = gateWith(t, [statusRule('fail', 0.9)]);
  const ok = await gate.check('shop.orders', batch(10, 1), ctx());
  assert.equal(ok.failure, undefined);
  assert.equal(ok.passed.length, 10, 'a tolerated failure goes on as a warning');

  const broken = await gate.check('shop.orders', batch(10, 2), ctx());
  assert.equal(broken.failure?.rule, 'status_known');
  assert.match(broken.failure!.message, /2 of 10 records of shop\.orders broke rule status_known/);
  assert.match(broken.failure!.message, /\{"order_id":1\}: status = "lost"/);
  const err = qualityFailure('shop.orders', broken.failure!);
  assert.equal(err.name, 'UserError');
  assert.equal(err.where, 'shop.orders');
  assert.match(err.fix!, /not committed/);

  const strict = gateWith(t, [statusRule('fail', 1)]);
  assert.equal((await strict.check('shop.orders', batch(100, 1), ctx())).failure?.rule, 'status_known', 'mostly 1 (the default) fails on one record');
});

test('a record breaking several quarantine rules is quarantined once: the first rule, the others in its message', async (t) => {
  const gate = gateWith(t, [statusRule('quarantine', 1), { name: 'coupon_format', type: 'matches_regex', column: 'coupon', pattern: '^[A-Z]{4}[0-9]{2}$', action: 'quarantine' }]);
  const out = await gate.check('shop.orders', [order(1, { amount: '0.00', status: 'lost', coupon: 'free!' }), order(2, { coupon: 'SUMR25' })], ctx());
  assert.equal(out.quarantined.length, 1);
  const q = out.quarantined[0]!;
  assert.equal(q.rule, 'schema', 'the schema is evaluated first');
  assert.equal(q.message, '/amount must be > 0; also status_known: status = "lost" is not one of "paid", "shipped"; also coupon_format: coupon = "free!" does not match /^[A-Z]{4}[0-9]{2}$/');
  assert.deepEqual(out.results.map((r) => [r.rule, r.failed]), [['schema', 1], ['status_known', 1], ['coupon_format', 1]]);
});

test('the schema validates a JSON view of lake values: bigint, exact decimals, Date, date, binary; text where a number belongs fails', async (t) => {
  const gate = gateWith(t, [], {
    'shop.orders.schema.json': {
      ...ORDERS_SCHEMA,
      properties: { ...ORDERS_SCHEMA.properties, order_id: { type: 'integer', maximum: 9007199254740991 }, photo: { type: 'string', contentEncoding: 'base64', pattern: '^AQID$' }, day: { type: 'string', format: 'date' } },
    },
  });
  const good = order(1, { amount: '1234.50', photo: new Uint8Array([1, 2, 3]), day: '2025-06-01', placed_at: new Date('2025-06-01T10:00:00.123Z') });
  const huge = order(2);
  huge.row.order_id = 2n ** 63n - 1n; // beyond 2^53 the view holds its digits as a string, which "integer" refuses
  const text = order(3, { amount: 'dix-neuf euros' });
  const badDay = order(4, { day: '2025-02-30' });
  const out = await gate.check('shop.orders', [good, huge, text, badDay], ctx());
  assert.deepEqual(out.passed.map((p) => p.key.order_id), [1n]);
  assert.deepEqual(Object.fromEntries(out.quarantined.map((q) => [String(q.record.key.order_id), q.message])), {
    '2': '/order_id must be integer',
    '3': '/amount must be number',
    '4': '/day must match format "date"',
  });
  assert.equal(good.row.amount, '1234.50', "the record keeps the lake's values: only the gate's view converts");
});

test('foreign key: silver holding the key or the referenced table passing it in the same batch is enough; one lookup per batch', async (t) => {
  const gate = gateWith(t, [{ name: 'customer_exists', type: 'foreign_key', column: 'customer_id', references: { table: 'shop.customers', column: 'customer_id' }, action: 'quarantine' }]);
  assert.deepEqual(gate.dependencies('shop.orders'), ['shop.customers']);
  assert.deepEqual(gate.tables(), ['shop.customers', 'shop.orders'], 'referenced tables first');
  const calls: unknown[][] = [];
  const c = ctx({ 'shop.customers': { customer_id: [7] } }, calls);
  const orders = [order(1, { customer_id: 7 }), order(2, { customer_id: 8 }), order(3, { customer_id: 9 }), order(4, { customer_id: 9 }), order(5, { customer_id: 8 })];
  const outcomes = await gate.checkAll({ 'shop.orders': orders, 'shop.customers': [customer(8, 'h@x.fr')] }, c);
  assert.deepEqual(outcomes['shop.orders']!.passed.map((p) => p.key.order_id), [1n, 2n, 5n], '7 is in silver, 8 arrives beside it');
  assert.deepEqual(outcomes['shop.orders']!.quarantined.map((q) => [q.record.key.order_id, q.message]), [
    [3n, 'customer_id = 9 has no row in shop.customers (customer_id)'],
    [4n, 'customer_id = 9 has no row in shop.customers (customer_id)'],
  ]);
  const fkCalls = calls.filter((x) => x[1] === 'customer_id');
  assert.equal(fkCalls.length, 1, 'one lookup for the batch');
  assert.deepEqual(fkCalls[0]![2], [7, 9], 'distinct values, none that the same batch already answers');
});

test('unique: within a batch the first holder keeps the value; against silver an insert may not reuse one, and with owners an update may keep its own', async (t) => {
  const gate = gateWith(t, []);
  const batchDup = [customer(1, 'a@x.fr'), customer(2, 'a@x.fr'), customer(1, 'a@x.fr', 'u'), customer(3, 'b@x.fr')];
  const plain = await gate.check('shop.customers', batchDup, ctx({ 'shop.customers': { email: ['b@x.fr'] } }));
  assert.deepEqual(plain.quarantined.map((q) => [q.record.key.customer_id, q.message]), [
    [2, 'email = "a@x.fr" is already held by key 1 in this batch'],
    [3, 'email = "b@x.fr" already exists in silver'],
  ], 'the update of customer 1 keeps its own value');

  // without owners(), an update cannot be judged against silver: it may be the holder itself
  const update = await gate.check('shop.customers', [customer(4, 'b@x.fr', 'u')], ctx({ 'shop.customers': { email: ['b@x.fr'] } }));
  assert.equal(update.quarantined.length, 0);
  assert.equal(update.results.find((r) => r.rule === 'email_unique')!.evaluated, 1);

  const held: Record<string, string[]> = { 'b@x.fr': ['4'], 'c@x.fr': ['6'] };
  const withOwners: GateContext = { ...ctx(), owners: async (_t, _c, values) => new Map(values.filter((v) => String(v) in held).map((v) => [String(v), held[String(v)]!])) };
  const judged = await gate.check('shop.customers', [customer(4, 'b@x.fr', 'u'), customer(5, 'c@x.fr', 'r')], withOwners);
  assert.deepEqual(judged.quarantined.map((q) => [q.record.key.customer_id, q.message]), [[5, 'email = "c@x.fr" is already held by key 6 in silver']]);
});

test('not_null, between with relative time bounds, column pair, present_only_if, ops and when limit what is evaluated', async (t) => {
  const gate = gateWith(t, [
    { name: 'shipped_known', type: 'not_null', column: 'shipped_at', when: { column: 'status', in: ['shipped'] }, action: 'quarantine' },
    { name: 'not_in_future', type: 'between', column: 'placed_at', max: 'now+10m', action: 'quarantine' },
    { name: 'amount_sane', type: 'between', column: 'amount', min: 1, max: 1000, strictMax: true, ops: ['c'], action: 'quarantine' },
    { name: 'ships_after_placed', type: 'column_pair', left: 'shipped_at', op: '>=', right: 'placed_at', action: 'quarantine' },
    { name: 'coupon_only_when_paid', type: 'present_only_if', column: 'coupon', if: { column: 'status', in: ['paid'] }, action: 'quarantine' },
  ]);
  const placed = new Date('2025-06-01T10:00:00Z');
  const out = await gate.check('shop.orders', [
    order(1, { status: 'shipped', shipped_at: null }),
    order(2, { placed_at: new Date(NOW.getTime() + 11 * 60000) }),
    order(3, { placed_at: new Date(NOW.getTime() + 9 * 60000) }),
    order(4, { amount: '1000.00' }),
    order(5, { amount: '1000.00' }, 'u'),
    order(6, { status: 'shipped', shipped_at: new Date(placed.getTime() - 1000), placed_at: placed }),
    order(7, { status: 'shipped', coupon: 'SUMR25', shipped_at: new Date(placed.getTime() + 1000), placed_at: placed }),
    order(8, { status: 'paid', coupon: 'SUMR25' }),
  ], ctx());
  assert.deepEqual(out.quarantined.map((q) => [Number(q.record.key.order_id), q.rule]), [
    [1, 'shipped_known'], [2, 'not_in_future'], [4, 'amount_sane'], [6, 'ships_after_placed'], [7, 'coupon_only_when_paid'],
  ]);
  assert.match(out.quarantined[1]!.message, /placed_at = "2025-06-01T12:11:00.000Z" is above 2025-06-01T12:10:00.000Z/);
  const evaluated = Object.fromEntries(out.results.map((r) => [r.rule, r.evaluated]));
  assert.deepEqual(evaluated, { schema: 8, shipped_known: 3, not_in_future: 8, amount_sane: 7, ships_after_placed: 2, coupon_only_when_paid: 8 },
    'when/ops select records; null values are not evaluated by between or column_pair');
});

test('row count per window: a max on every window, a min only on windows inside the batch (gaps included); freshness per group', async (t) => {
  const gate = gateWith(t, [
    { name: 'orders_per_customer_hour', type: 'row_count', column: 'placed_at', window: '1h', groupBy: ['customer_id'], min: 1, max: 3, action: 'warn' },
    { name: 'fresh', type: 'freshness', column: 'placed_at', maxAge: '2h', groupBy: ['customer_id'], action: 'fail', mostly: 0.5 },
  ]);
  const at = (h: number, m = 0) => new Date(Date.UTC(2025, 5, 1, h, m));
  const recs = [
    // customer 1: 08:00 (edge window, 1 row, fine), nothing at 09:xx (a gap), 4 rows at 10:xx (too many), 11:00 (edge)
    order(1, { customer_id: 1, placed_at: at(8) }),
    ...[0, 10, 20, 30].map((m, i) => order(10 + i, { customer_id: 1, placed_at: at(10, m) })),
    order(2, { customer_id: 1, placed_at: at(11, 30) }),
    // customer 2: one old row only (stale: 6 h before NOW)
    order(3, { customer_id: 2, placed_at: at(6) }),
  ];
  const out = await gate.check('shop.orders', recs, ctx());
  const rc = out.results.find((r) => r.rule === 'orders_per_customer_hour')!;
  assert.deepEqual([rc.evaluated, rc.failed], [5, 2], 'customer 1: 08, 09, 10, 11; customer 2: 06');
  assert.deepEqual(rc.sampleKeys, ['customer_id=1 @ 2025-06-01T09:00:00.000Z +60 min', 'customer_id=1 @ 2025-06-01T10:00:00.000Z +60 min']);
  const fr = out.results.find((r) => r.rule === 'fresh')!;
  assert.deepEqual([fr.evaluated, fr.failed, fr.passed], [2, 1, true], 'one of two customers stale: within mostly 0.5');
  assert.equal(out.failure, undefined);
  assert.equal(out.passed.length, recs.length, 'window rules never hold a record back');
  const stale = await gate.check('shop.orders', [order(3, { customer_id: 2, placed_at: at(6) })], ctx());
  assert.equal(stale.failure?.rule, 'fresh');
  assert.match(stale.failure!.message, /newest placed_at of customer_id=2 is 2025-06-01T06:00:00.000Z, 360 min old \(limit 120 min\)/);
});

test('a table without rules goes through unchecked, or stops the stage when quality.failOnMissingRules is set', async (t) => {
  const dir = rulesDir(t, { 'shop.customers.schema.json': CUSTOMERS_SCHEMA, 'shop.customers.expectations.json': { expectations: [] } });
  const recs = [order(1)];
  const lenient = await QualityGate.load(dir).check('shop.orders', recs, ctx());
  assert.deepEqual(lenient, { passed: recs, quarantined: [], results: [] });
  await assert.rejects(QualityGate.load(dir, { failOnMissingRules: true }).check('shop.orders', recs, ctx()), (e: Error & { fix?: string }) => {
    assert.match(e.message, /no quality rules for table shop\.orders/);
    assert.match(e.fix!, /shop\.orders\.schema\.json/);
    return true;
  });
});

test('metrics: evaluated, failed and quarantined per table and rule, and stops', async (t) => {
  const gate = gateWith(t, [statusRule('quarantine', 1), { name: 'fresh', type: 'freshness', column: 'placed_at', maxAge: '1m', action: 'fail' }]);
  const value = async (name: string, labels: Record<string, string>) => {
    const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name)!;
    return (m.values as Array<{ labels: Record<string, string>; value: number }>).find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x))?.value ?? 0;
  };
  const before = await value('lakehouse_quality_failed_total', { table: 'shop.orders', rule: 'status_known' });
  await gate.check('shop.orders', batch(5, 2), ctx());
  assert.equal(await value('lakehouse_quality_failed_total', { table: 'shop.orders', rule: 'status_known' }), before + 2);
  assert.ok((await value('lakehouse_quality_evaluated_total', { table: 'shop.orders', rule: 'schema' })) >= 5);
  assert.ok((await value('lakehouse_quality_quarantined_total', { table: 'shop.orders', rule: 'status_known' })) >= 2);
  assert.ok((await value('lakehouse_quality_stops_total', { table: 'shop.orders', rule: 'fresh' })) >= 1);
  const text = await registry.metrics();
  assert.match(text, /lakehouse_quality_check_seconds_count\{table="shop.orders"\} \d+/);
});

test('timestamps are checked as the lake holds them (Date) or as text by the date-time format; a bad one is named by its path', async (t) => {
  const gate = gateWith(t, []);
  const out = await gate.check('shop.orders', [
    order(1, { placed_at: new Date('2025-06-01T10:00:00Z'), shipped_at: '2025-06-01T11:00:00+02:00' }),
    order(2, { placed_at: 'hier soir' }),
    order(3, { placed_at: new Date(NaN) }),
    order(4, { placed_at: 1748772000000 }),
    order(5, { placed_at: null }),
    order(6, { shipped_at: 12 }),
  ], ctx());
  assert.deepEqual(out.passed.map((p) => p.key.order_id), [1n]);
  assert.deepEqual(out.quarantined.map((q) => q.message), [
    '/placed_at must match format "date-time"',
    '/placed_at must be a valid date-time',
    '/placed_at must be string',
    '/placed_at must be string',
    '/shipped_at must be string or null',
  ]);
});

test('a schema that forbids undeclared columns sees every column of the row', async (t) => {
  const gate = gateWith(t, [], { 'shop.orders.schema.json': { ...ORDERS_SCHEMA, additionalProperties: false } });
  const out = await gate.check('shop.orders', [order(1), order(2, { legacy_flag: true })], ctx());
  assert.deepEqual(out.quarantined.map((q) => [q.record.key.order_id, q.message]), [[2n, '(record) has unknown column "legacy_flag"']]);
});
