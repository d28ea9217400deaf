// `lakehouse export --to DIR --postgres` as a user runs it: the Parquet and CSV files read back
// with pyarrow (typed from manifest.json for the CSV) to exactly the gold rows, with Arrow types a
// report can use; manifest.json names the versions exported; PostgreSQL's analytics schema holds
// the same rows; a second export after gold changed replaces them and keeps a view built on them.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import test from 'node:test';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { projectRoot } from '../../stack/paths.js';
import { freshDatabase, testStack } from '../../test/support/stack.js';
import { DeltaTable, type Row } from '../index.js';
import type { DataType } from '../kernel/schema.js';
import { canonicalRows, sortRows } from '../testing/deltalake-oracle.js';
import { runPythonJson } from '../testing/python.js';
import { tempLake } from '../testing/tmp.js';
import { goldPath } from '../gold/model.js';
import { COLUMN_DOCS } from '../gold/column-docs.js';
import { GOLD_MODELS } from '../gold/models.js';
import { silverPath } from '../gold/silver-inputs.js';
import { goldEngine, goldRows } from '../gold/testing/gold-harness.js';
import { SilverFixture } from '../gold/testing/silver-fixture.js';
import { SilverWorkload } from '../gold/testing/silver-workload.js';
import { exportGold, type Manifest } from './export.js';

/** Comments a spreadsheet would run as formulas (the issue's), and the CSV cells they must become. */
const FORMULAS = ['=HYPERLINK("http://x")', "=cmd|' /C calc'!A0", '+1 séance', '-2 kg', '@équipe', '\tTab'];
const NEUTRALISED = ['"\'=HYPERLINK(""http://x"")"', '"\'=cmd|\' /C calc\'!A0"', '"\'+1 séance"', '"\'-2 kg"', '"\'@équipe"', '"\'\tTab"'];

/** Our rows as the CSV must hold them: text that starts like a formula behind a single quote. */
function neutralised(rows: unknown[], stringColumns: Set<string>): unknown[] {
  return rows.map((r) => Object.fromEntries(Object.entries(r as Record<string, unknown>).map(([k, v]) =>
    [k, stringColumns.has(k) && typeof v === 'string' && /^[=+\-@\t\r]/.test(v) ? `'${v}` : v])));
}

const READER = join(dirname(fileURLToPath(import.meta.url)), 'testing', 'read_export.py');

interface ReadBack {
  parquet_schema: Array<[string, string]>;
  parquet: unknown[];
  csv_header: string[];
  csv: unknown[];
}

function readBack(dir: string): Record<string, ReadBack> {
  return runPythonJson<Record<string, ReadBack>>(READER, [dir]);
}

/** A CSV file's rows as raw cell texts by column name (RFC 4180 quotes undone, nothing else). */
function csvCells(file: string): Array<Record<string, string>> {
  const text = readFileSync(file, 'utf8');
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (cell += '"'), i++;
      else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') row.push(cell), (cell = '');
    else if (ch === '\n') row.push(cell), rows.push(row), (row = []), (cell = '');
    else cell += ch;
  }
  const [header, ...data] = rows;
  return data.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i]!])));
}

/** analytics.<table> as text per column, in the canonical form of our rows. */
async function analyticsRows(client: pg.Client, name: string, columns: Array<{ name: string; type: DataType }>): Promise<unknown[]> {
  const select = columns.map((c) => {
    const id = pg.escapeIdentifier(c.name);
    return c.type === 'timestamp' ? `(extract(epoch from ${id}) * 1000)::bigint::text AS ${id}` : `${id}::text AS ${id}`;
  });
  const res = await client.query<Record<string, string | null>>(`SELECT ${select.join(', ')} FROM analytics.${pg.escapeIdentifier(name)}`);
  return sortRows(res.rows.map((r) => Object.fromEntries(columns.map((c) => {
    const v = r[c.name] ?? null;
    if (v === null) return [c.name, null];
    if (c.type === 'timestamp') return [c.name, `ts:${v}`];
    if (c.type === 'double') return [c.name, String(Number(v))];
    return [c.name, v];
  }))));
}

/** Our rows in the same text form (doubles as JavaScript prints them, as PostgreSQL's are read). */
function ourText(rows: Row[], columns: Array<{ name: string; type: DataType }>): unknown[] {
  return sortRows(rows.map((r) => Object.fromEntries(columns.map((c) => {
    const v = r[c.name];
    if (v === null || v === undefined) return [c.name, null];
    if (v instanceof Date) return [c.name, `ts:${v.getTime()}`];
    return [c.name, String(v)];
  }))));
}

test('the export reads back to the gold rows: Parquet and CSV (pyarrow), manifest.json, PostgreSQL analytics', async (t) => {
  const env = await testStack();
  const databaseUrl = await freshDatabase(env);
  const root = tempLake(t, 'gold-export-');
  const silver = new SilverFixture(root);
  const workload = new SilverWorkload(silver, 7);
  await workload.seed(30, 6);
  // text that CSV must quote, and an empty text that must stay distinct from null
  await silver.change('employees', [{
    employee_id: 77001, last_name: 'Dupont, "Junior"\nII', first_name: 'Zoé', birth_date: '1991-02-03', business_unit: 'R&D', hire_date: '2020-05-01',
    gross_salary: '41250.00', contract_type: 'CDI', paid_leave_days: 27, address: '1362 Av. des Platanes, 34970 Lattes', commute_mode: 'Vélo/Trottinette/Autres',
    commute_distance_km: '31.50', declared_sport: 'Équitation',
  }]);
  await silver.change('activities', [{
    activity_id: 9_000_001n, employee_id: 77001, start_time: new Date('2025-06-01T06:05:04.321Z'), sport_type: 'Équitation', distance_m: '12345.6',
    elapsed_s: 3600, end_time: new Date('2025-06-01T07:05:04.321Z'), comment: '',
  }, ...FORMULAS.map((comment, i) => ({
    activity_id: BigInt(9_000_002 + i), employee_id: 77001, start_time: new Date(Date.UTC(2025, 5, 2 + i, 6)), sport_type: 'Équitation', distance_m: '800.0',
    elapsed_s: 600, end_time: new Date(Date.UTC(2025, 5, 2 + i, 6, 10)), comment,
  }))]);
  const engine = goldEngine(root);
  await engine.start();
  for (let i = 0; i < 10; i++) await workload.step();
  await engine.refresh();

  const dir = mkdtempSync(join(tmpdir(), 'gold-export-out-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const cli = spawnSync(process.execPath, [join(projectRoot(), 'bin', 'lakehouse.js'), 'export', '--to', dir, '--postgres'], {
    env: { ...process.env, LAKE_ROOT: root, DATABASE_URL: databaseUrl, LAKEHOUSE_CONFIG: '', LOG_LEVEL: 'warn' },
    encoding: 'utf8',
  });
  assert.equal(cli.status, 0, cli.stderr);
  assert.match(cli.stdout, /^activities_enriched\s+version \d+\s+\d+ rows$/m);

  // manifest.json: the versions exported and the silver versions they cover
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
  assert.equal(manifest.consistent, true);
  assert.deepEqual(manifest.tables.map((x) => x.name), GOLD_MODELS.map((m) => m.name));
  for (const m of manifest.tables) {
    const table = await DeltaTable.open(root, goldPath(m.name));
    assert.equal(m.version, table.version, `${m.name}: the version exported`);
    assert.equal(m.rows, (await table.rows()).length, `${m.name}: rows`);
    assert.deepEqual(m.columns.map((c) => c.name), table.schema.fields.map((f) => f.name));
  }
  // friendly labels and descriptions for every column, the grain of every table
  for (const m of manifest.tables) {
    assert.ok(m.description && m.grain, `${m.name}: description and grain`);
    for (const c of m.columns) assert.ok(c.label && c.label !== c.name && COLUMN_DOCS[m.name]!.columns[c.name], `${m.name}.${c.name} has a friendly label`);
  }
  const benefitsColumns = manifest.tables.find((x) => x.name === 'employee_benefits')!;
  assert.match(benefitsColumns.grain, /bonus year row only/);
  assert.deepEqual(benefitsColumns.columns.find((c) => c.name === 'bonus_amount'), {
    name: 'bonus_amount', type: 'decimal(10,2)', nullable: true, label: 'Bonus (€)', description: 'The annual sport bonus paid, 0.00 when refused or not eligible, empty on other years: sum it freely.',
  });
  assert.deepEqual(manifest.csv.culture, 'en-US');
  const activitiesVersion = (await DeltaTable.open(root, silverPath('public', 'activities'))).version;
  assert.equal(manifest.tables[0]!.silver_versions[silverPath('public', 'activities')], activitiesVersion);

  // the files, read by pyarrow
  const back = readBack(dir);
  for (const model of GOLD_MODELS) {
    const table = await DeltaTable.open(root, goldPath(model));
    const ours = canonicalRows(await table.rows(), table.schema);
    const file = back[model.name]!;
    assert.deepEqual(sortRows(file.parquet), ours, `${model.name}.parquet holds the gold rows`);
    assert.deepEqual(file.csv_header, table.schema.fields.map((f) => f.name), `${model.name}.csv header`);
    const texts = new Set(table.schema.fields.filter((f) => f.type === 'string').map((f) => f.name));
    assert.deepEqual(sortRows(file.csv), neutralised(ours, texts), `${model.name}.csv holds the gold rows, formulas neutralised`);
    assert.deepEqual(neutralised(file.parquet, texts), file.csv, `${model.name}: both files in the same (key) order`);
    // no number a locale that groups digits with '.' could read as thousands (12.346 → 12346)
    const numbers = table.schema.fields.filter((f) => f.type === 'double' || String(f.type).startsWith('decimal(')).map((f) => f.name);
    for (const row of csvCells(join(dir, `${model.name}.csv`))) {
      for (const n of numbers) assert.doesNotMatch(row[n] ?? '', /^-?\d{1,3}(\.\d{3})+$/, `${model.name}.${n}: ${row[n]} reads as a grouped integer`);
    }
  }
  const types = Object.fromEntries(back.activities_enriched!.parquet_schema);
  assert.deepEqual(
    [types.activity_id, types.employee_id, types.start_time, types.activity_date, types.distance_km, types.is_declared_sport, types.comment],
    ['int64', 'int32', 'timestamp[us, tz=UTC]', 'date32[day]', 'decimal128(10, 3)', 'bool', 'string'],
  );
  const keys = (back.activities_enriched!.parquet as Array<{ activity_id: string }>).map((r) => BigInt(r.activity_id));
  assert.ok(keys.every((k, i) => i === 0 || keys[i - 1]! < k), 'activities in key order');
  assert.equal(Object.fromEntries(back.match_crowd!.parquet_schema).fill_rate, 'double');
  const csv = readFileSync(join(dir, 'activities_enriched.csv'), 'utf8');
  assert.ok(csv.includes('"Dupont, ""Junior""\nII"'), 'a text with a comma, quotes and a line break is quoted');
  assert.ok(csv.includes('\n9000001,77001,Zoé,'), 'UTF-8 text');
  assert.ok(/\n9000001,.*,""\n/s.test(csv), 'an empty comment is "", not an empty field (null)');
  assert.ok(csv.includes(',2025-06-01T06:05:04.321000Z,'), 'timestamps in ISO-8601 UTC');
  assert.ok(csv.includes(',12345.6,12.3460,3600,60.00,'), "decimals with '.', never three digits after it");
  assert.ok(csv.includes(',800.0,0.8000,600,10.00,'));
  for (const cell of NEUTRALISED) assert.ok(csv.includes(`,${cell}\n`), `the comment is written ${cell}`);
  assert.ok(!/,[=+\-@]/.test(csv.split('\n').slice(1).join('\n').replace(/,-?\d/g, '')), 'no unquoted field starts like a formula');
  const parquetComments = (back.activities_enriched!.parquet as Array<{ comment: string | null }>).map((r) => r.comment);
  for (const f of FORMULAS) assert.ok(parquetComments.includes(f), `Parquet keeps the raw text ${JSON.stringify(f)}`);

  // `lakehouse table scan --format csv` writes the same cells (one CSV writer)
  const scan = spawnSync(process.execPath, [join(projectRoot(), 'bin', 'lakehouse.js'), 'table', 'scan', 'gold/activities_enriched', '--format', 'csv',
    '--columns', 'activity_id,distance_km,comment', '--where', 'activity_id>9000001'], { env: { ...process.env, LAKE_ROOT: root, LAKEHOUSE_CONFIG: '', LOG_LEVEL: 'warn' }, encoding: 'utf8' });
  assert.equal(scan.status, 0, scan.stderr);
  assert.deepEqual(scan.stdout.trim().split('\n').sort(), ['activity_id,distance_km,comment', ...NEUTRALISED.map((c, i) => `${9_000_002 + i},0.8000,${c}`)].sort());
  assert.ok(csv.split('\n')[0]!.startsWith('activity_id,employee_id,first_name'));

  // PostgreSQL: analytics.* equals gold
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  t.after(() => client.end());
  const compareAnalytics = async (when: string) => {
    for (const model of GOLD_MODELS) {
      const table = await DeltaTable.open(root, goldPath(model));
      const columns = table.schema.fields.map((f) => ({ name: f.name, type: f.type }));
      assert.deepEqual(await analyticsRows(client, model.name, columns), ourText(await table.rows(), columns), `${when}: analytics.${model.name} equals gold`);
    }
  };
  await compareAnalytics('first export');
  const comments = await client.query<{ column: string; comment: string }>(`SELECT a.attname AS column, col_description(a.attrelid, a.attnum) AS comment
    FROM pg_attribute a WHERE a.attrelid = 'analytics.employee_benefits'::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`);
  assert.ok(comments.rows.every((r) => r.comment), 'every analytics.employee_benefits column has a comment');
  assert.equal(comments.rows.find((r) => r.column === 'wellness_days')!.comment, 'Wellness days: Days granted for that year (5 from 15 activities by default). Summable.');
  const tableComment = await client.query<{ c: string }>("SELECT obj_description('analytics.employee_benefits'::regclass, 'pg_class') AS c");
  assert.match(tableComment.rows[0]!.c, /^Per employee and calendar year/);
  const rawComments = await client.query<{ comment: string }>('SELECT comment FROM analytics.activities_enriched WHERE activity_id > 9000001 ORDER BY activity_id');
  assert.deepEqual(rawComments.rows.map((r) => r.comment), FORMULAS, 'analytics.* keeps the raw text');
  const manifestRows = await client.query<{ table_name: string; delta_version: string }>('SELECT table_name, delta_version::text FROM analytics.export_manifest ORDER BY table_name');
  assert.deepEqual(manifestRows.rows.map((r) => [r.table_name, Number(r.delta_version)]).sort(), manifest.tables.map((m) => [m.name, m.version]).sort());

  // a view on a gold table survives the next export, which brings the new rows
  await client.query(`CREATE VIEW analytics.paid AS SELECT employee_id, year, bonus_amount FROM analytics.employee_benefits WHERE bonus_paid`);
  await silver.change('employees', [], [77001]);
  for (let i = 0; i < 5; i++) await workload.step();
  await engine.refresh();
  const second = await exportGold({ root, sourceSchema: 'public', to: dir, postgresUrl: databaseUrl });
  await compareAnalytics('second export');
  const paid = await client.query<{ n: string }>('SELECT count(*)::text AS n FROM analytics.paid');
  assert.equal(Number(paid.rows[0]!.n), (await goldRows(root, 'employee_benefits')).filter((r) => r.bonus_paid).length);
  assert.ok(!(await analyticsRows(client, 'activities_enriched', [{ name: 'employee_id', type: 'integer' }])).some((r) => (r as { employee_id: string }).employee_id === '77001'));
  assert.deepEqual(second.tables.map((x) => x.version), await Promise.all(GOLD_MODELS.map(async (m) => (await DeltaTable.open(root, goldPath(m))).version)));
});
