// `lakehouse generate --bad-rate R` against a real PostgreSQL: every bad row it reports having sent
// is quarantined by the rule meant for its kind, and nothing else is (the gate reads the tables
// as silver would hold them, referenced tables first, each foreign key looked up in what passed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import pg from 'pg';
import { textClient } from '../cdc/catalog.js';
import { freshDatabase, testStack } from '../test/support/stack.js';
import { QualityGate, keyString, type GateContext, type GateRecord } from './gate.js';
import { demoRecords } from './testing/demo-records.js';
import { EXPECTED_RULE } from './testing/bad-row-rules.js';
import { BAD_ROW_KINDS, type BadRowKind } from '../demo/bad-rows.js';

async function dropDatabase(url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  const admin = new pg.Client({ connectionString: (await testStack()).DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`drop database if exists ${pg.escapeIdentifier(name)} with (force)`);
  } finally {
    await admin.end();
  }
}

test('generate --bad-rate: each bad row sent is quarantined by the rule meant for it, and no good row is', { timeout: 180_000 }, async (t) => {
  const url = await freshDatabase(await testStack());
  t.after(() => dropDatabase(url));
  const res = spawnSync(process.execPath, ['bin/lakehouse.js', 'generate', '--duration', '4', '--rate', '60', '--bad-rate', '0.25', '--seed', '5'], {
    encoding: 'utf8', env: { ...process.env, DATABASE_URL: url, LOG_FORMAT: 'json', LOG_LEVEL: 'info' },
  });
  assert.equal(res.status, 0, res.stderr);
  const line = res.stderr.split('\n').find((l) => l.includes('"bad rows sent among the live rows"'));
  assert.ok(line, `generate reports the bad rows it sent: ${res.stderr.slice(-2000)}`);
  const sent = JSON.parse(line) as Partial<Record<BadRowKind, number>>;
  for (const kind of BAD_ROW_KINDS) assert.ok((sent[kind] ?? 0) > 0, `some ${kind} rows were sent: ${line}`);

  const gate = QualityGate.load();
  const client = textClient(url);
  await client.connect();
  const batches: Record<string, GateRecord[]> = {};
  try {
    for (const table of gate.tables()) {
      const rows = (await client.query(`select * from ${pg.escapeIdentifier(table.split('.')[1]!)}`)).rows as Array<Record<string, unknown>>;
      batches[table] = demoRecords(table, rows, 'r');
    }
  } finally {
    await client.end();
  }
  const passed: Record<string, GateRecord[]> = {};
  const ctx: GateContext = {
    now: () => new Date(),
    lookup: async (table, column, values) => {
      const have = new Set((passed[table] ?? []).map((r) => keyString(r.row[column])));
      return new Set(values.map(keyString).filter((v) => have.has(v)));
    },
  };
  const quarantined: Record<string, number> = {};
  for (const table of gate.tables()) {
    const out = await gate.check(table, batches[table]!, ctx);
    assert.equal(out.failure, undefined);
    passed[table] = out.passed;
    for (const q of out.quarantined) {
      const key = `${table} ${q.rule}`;
      quarantined[key] = (quarantined[key] ?? 0) + 1;
      assert.ok(Object.values(EXPECTED_RULE).some((e) => e.table === table && e.rule === q.rule && e.message.test(q.message)), `${key}: ${q.message} is what a bad kind looks like`);
    }
  }
  const expected: Record<string, number> = {};
  for (const kind of BAD_ROW_KINDS) {
    const e = EXPECTED_RULE[kind];
    expected[`${e.table} ${e.rule}`] = (expected[`${e.table} ${e.rule}`] ?? 0) + (sent[kind] ?? 0);
  }
  assert.deepEqual(quarantined, expected, 'quarantined per rule = bad rows sent per kind');
  assert.ok(batches['public.activities']!.length > 2000, 'among thousands of good rows');
});
