// The vector fast paths (parquet/vectors.ts): values at the edges of what they handle inline
// (strings around 12 UTF-8 bytes, surrogate pairs, long strings that repeat, timestamps past the
// exact-double range, extremes of every integer type, inputs of a non-canonical JavaScript type)
// read back as written, in ours and in deltalake; the statistics are what StatsCollector.add makes
// of the same values; and scanColumns holds exactly the values scan() puts in rows.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DeltaTable, type ColumnSpec, type Row } from './index.js';
import { StatsCollector } from './kernel/stats.js';
import { normalize } from './kernel/values.js';
import { canonicalRows, deltalakeRead, sortRows } from './testing/deltalake-oracle.js';
import { tempLake } from './testing/tmp.js';

const COLUMNS: ColumnSpec[] = [
  { name: 'id', type: 'long', nullable: false },
  { name: 'big', type: 'long' },
  { name: 'n_int', type: 'integer' },
  { name: 'n_short', type: 'short' },
  { name: 'n_byte', type: 'byte' },
  { name: 'x', type: 'double' },
  { name: 'f', type: 'float' },
  { name: 'ok', type: 'boolean' },
  { name: 's', type: 'string' },
  { name: 'day', type: 'date' },
  { name: 'at', type: 'timestamp' },
  { name: 'part', type: 'string' },
];

const STRINGS = [
  '', 'a', 'c', 'exactly12byt', 'exactly13byte', 'Vélo', 'Randonnée', 'ééééééé', 'éééééé', '😀', 'a😀b', '😀'.repeat(3), '😀'.repeat(20),
  'lakehouse.public.activities', 'é'.repeat(40), 'x'.repeat(5000),
];
// within Python's years 1 to 9999 (deltalake reads them back), past 2255 included
const TIMES = [
  new Date(0), new Date(-1), new Date(-62135596800000), new Date(253402300799999), new Date(9_000_000_000_001), new Date(1731571200123),
];

function row(i: number): Row {
  const k = i % 97;
  return {
    id: BigInt(i),
    big: k === 0 ? null : k === 1 ? 2n ** 63n - 1n : k === 2 ? -(2n ** 63n) : k === 3 ? 42 : BigInt(i) * 1_000_003n,
    n_int: k === 4 ? null : k === 5 ? 2 ** 31 - 1 : k === 6 ? -(2 ** 31) : k === 7 ? 12n : i * 7 - 30_000,
    n_short: k === 8 ? null : k === 9 ? 32767 : k === 10 ? -32768 : (i % 600) - 300,
    n_byte: k === 11 ? null : k === 12 ? 127 : k === 13 ? -128 : (i % 200) - 100,
    x: k === 14 ? null : k === 15 ? '2.5' : k === 16 ? 1e308 : i / 7,
    f: k === 17 ? null : i * 0.1,
    ok: k === 18 ? null : i % 3 === 0,
    // a run of one long value (a topic), short repeats, distinct values, and every edge string
    s: k === 19 ? null : k === 20 ? 17 : i % 5 === 0 ? STRINGS[i % STRINGS.length] : i % 5 === 1 ? 'lakehouse.public.activities' : i % 5 === 2 ? `sortie ${i}` : i % 5 === 3 ? ['c', 'u', 'd'][i % 3] : `event ${i} ${'é'.repeat(i % 4)}`,
    day: k === 21 ? null : k === 22 ? new Date(Date.UTC(2024, 1, 29)) : ['2024-11-14', '0001-01-01', '9999-12-31', '1969-12-31'][i % 4],
    at: k === 23 ? null : k === 24 ? '2024-11-14T10:00:00.123456Z' : k === 25 ? 1731571200123 : TIMES[i % TIMES.length]!.getTime() === 0 ? new Date(1.7e12 + i) : TIMES[i % TIMES.length],
    part: i < 2500 ? 'p1' : 'p2',
  };
}

test('values at the edges of the fast paths read back as written, in ours and in deltalake, with the statistics add() makes', async (t) => {
  const root = tempLake(t);
  const table = await DeltaTable.create(root, 'edges', { columns: COLUMNS, partitionBy: ['part'] });
  // more than two chunks per file, and two partitions in one batch
  const rows = Array.from({ length: 5000 }, (_, i) => row(i));
  await table.append(rows);
  const fields = table.schema.fields;
  const expected = rows.map((r) => Object.fromEntries(fields.map((f) => [f.name, normalize(r[f.name], f.type, f.name)])));
  const ours = await table.rows();
  assert.deepEqual(canonicalRows(ours, table.schema), canonicalRows(expected, table.schema));
  // exact values, not only their canonical text: Dates by time, bigints as bigints, -0 as -0
  const byId = new Map(ours.map((r) => [r.id, r]));
  for (const e of expected) {
    const o = byId.get(e.id)!;
    for (const f of fields) {
      const a = o[f.name];
      const b = e[f.name];
      if (b instanceof Date) assert.equal((a as Date).getTime(), b.getTime(), `${f.name} of ${e.id}`);
      else assert.ok(Object.is(a, b), `${f.name} of ${e.id}: ${String(a)} read, ${String(b)} written`);
    }
  }
  const [theirs] = deltalakeRead([{ path: table.location }]);
  assert.equal(theirs!.error, undefined);
  assert.deepEqual(sortRows(theirs!.rows!), canonicalRows(expected, table.schema));

  // the ends of a Date's range, which deltalake cannot hold
  const far = await DeltaTable.create(root, 'far', { columns: [{ name: 'at', type: 'timestamp' }] });
  const ends = [new Date(8.64e15), new Date(-8.64e15), new Date(-8.64e15 + 1), null];
  await far.append(ends.map((at) => ({ at })));
  assert.deepEqual((await far.rows()).map((r) => (r.at as Date | null)?.getTime() ?? null), ends.map((d) => d?.getTime() ?? null));

  // statistics: what StatsCollector.add makes of each file's values, one by one
  const dataFields = fields.filter((f) => f.name !== 'part');
  for (const add of table.files()) {
    const part = add.partitionValues.part;
    const mine = rows.filter((r) => r.part === part);
    const collectors = dataFields.map((f) => new StatsCollector(f));
    for (const r of mine) collectors.forEach((c, i) => c.add(r[dataFields[i]!.name] ?? null));
    assert.deepEqual(JSON.parse(add.stats!), JSON.parse(JSON.stringify(StatsCollector.fileStats(mine.length, collectors))), `stats of ${part}`);
  }
});

test('scanColumns holds exactly the values scan() puts in rows, with filters, columns and limits', async (t) => {
  const root = tempLake(t);
  const table = await DeltaTable.create(root, 'edges', { columns: COLUMNS, partitionBy: ['part'] });
  for (let b = 0; b < 6; b++) await table.append(Array.from({ length: 700 + b * 300 }, (_, i) => row(b * 10_000 + i)));
  const options = [
    {},
    { limit: 1 },
    { limit: 2345 },
    { columns: ['s', 'id', 'part'] },
    { columns: ['at'], filters: [{ column: 'x', op: '>' as const, value: 500 }] },
    { filters: [{ column: 'part', op: '=' as const, value: 'p2' }, { column: 's', op: 'is not null' as const }], limit: 900 },
    { filters: [{ column: 's', op: 'in' as const, value: ['lakehouse.public.activities', 'c'] }] },
  ];
  for (const opts of options) {
    const rows: Row[][] = [];
    for await (const batch of table.scan(opts)) rows.push(batch);
    const columns: Row[][] = [];
    for await (const batch of table.scanColumns(opts)) {
      const names = Object.keys(batch.columns);
      assert.ok(names.every((n) => batch.columns[n]!.length === batch.length));
      columns.push(Array.from({ length: batch.length }, (_, i) => Object.fromEntries(names.map((n) => [n, batch.columns[n]![i]]))));
    }
    assert.deepEqual(columns, rows, JSON.stringify(opts));
  }
  await assert.rejects(async () => {
    for await (const _ of table.scanColumns({ columns: ['nope'] })) void _;
  }, /unknown column "nope"/);
});
