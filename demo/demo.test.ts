// `lakehouse demo` as a user runs it (a child process, the local stack started by the command
// itself), pointed at a fresh database, topic prefix, slot, groups and lake through the usual
// environment variables. It runs to its summary, and every figure of the summary is what the
// lake's tables hold, counted here independently: rows per layer against PostgreSQL (no row lost:
// each source key is in silver or in quarantine), the gold figures against employee_benefits and
// match_crowd, the Slack messages against the live inserts in bronze, the export against gold.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { DeltaTable, type Row } from '../lake/index.js';
import { projectRoot } from '../stack/paths.js';
import { cdcTestEnv, dropSlot, type CdcTestEnv } from '../test/support/cdc.js';
import { lakeEnv, tableRows, tempLake } from '../test/support/pipeline.js';
import type { DemoSummary } from './summary.js';

const KEYS: Record<string, string> = { employees: 'employee_id', activities: 'activity_id', stadiums: 'stadium_id', matches: 'match_id', crowd_readings: 'reading_id' };

let env: CdcTestEnv;
let lake: ReturnType<typeof tempLake>;
let out: string;
let run: { code: number | null; stdout: string; stderr: string };

/** Cents of a decimal string ("127414.71" → 12741471n). */
const cents = (d: unknown) => {
  const [whole, frac = ''] = String(d).split('.');
  return BigInt(whole!) * 100n + BigInt((frac + '00').slice(0, 2)) * (String(d).startsWith('-') ? -1n : 1n);
};

before(async () => {
  env = await cdcTestEnv();
  lake = tempLake();
  out = mkdtempSync(join(tmpdir(), 'lakehouse-demo-'));
  const wenv = lakeEnv(env, lake.root, { NOTIFY_GROUP_ID: `${env.TOPIC_PREFIX}-notify`, METRICS_PROBE_INTERVAL_MS: '2000' });
  run = await new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(projectRoot(), 'bin', 'lakehouse.js'), 'demo', '--duration', '10', '--rate', '6', '--bad-rate', '0.2', '--out', out], {
      env: { ...process.env, ...wenv, LAKEHOUSE_CONFIG: '', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`lakehouse demo did not finish within 150 s:\n${stderr.slice(-3000)}`));
    }, 150_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
});

after(async () => {
  if (env) await dropSlot(env);
  lake?.remove();
  if (out) rmSync(out, { recursive: true, force: true });
});

/** The demo's log without the Slack messages, for a failure's message. */
const logTail = () => run.stderr.split('\n').filter((l) => !/message for #sport|^«/.test(l)).join('\n').slice(-4000);

test('lakehouse demo runs to its summary, with progress on the way', () => {
  assert.equal(run.code, 0, `exit code\n${logTail()}`);
  for (const line of [/^  local stack {10}still running, so that the next demo goes on from here; its slot \S+$/m, /node bin\/lakehouse\.js stack down stops it/, /^Demo summary \(/m, /Changes captured: [\d,]+ by this run; bronze holds [\d,]+ change events\./, /^Gold figures \(\d{4}\)$/m, /^  sport bonus {10}[\d,]+\.\d\d € to [\d,]+ employees/m, /^Slack: [\d,]+ messages printed to the log for #sport \(no SLACK_BOT_TOKEN\), the first:$/m, /^Quarantined: [\d,]+ rows/m, /^Where$/m]) {
    assert.match(run.stdout, line, logTail());
  }
  assert.match(run.stderr, /\[demo\] captured [\d,]+ · bronze [\d,]+ · silver [\d,]+ \(quarantined [\d,]+\) · gold [\d,]+ · slack [\d,]+/, 'progress lines');
  assert.match(run.stderr, /\[demo\] caught up/, logTail());
  assert.match(run.stderr, /\[notify\] message for #sport: /, 'the Slack messages go to the log without a token');
});

test("the summary's figures are what the lake's tables hold", async () => {
  const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as DemoSummary;
  assert.equal(s.caughtUp, true);
  const db = new pg.Client({ connectionString: env.DATABASE_URL });
  await db.connect();
  try {
    // rows per layer; a fresh database, so this run captured everything bronze holds
    let bronzeTotal = 0;
    for (const t of s.tables) {
      const name = t.table.slice('public.'.length);
      const key = KEYS[name]!;
      const source = (await db.query<{ k: string }>(`select ${key}::text as k from ${name}`)).rows.map((r) => r.k);
      const bronze = await tableRows(lake.root, `bronze/public/${name}`);
      const silver = await tableRows(lake.root, `silver/public/${name}`);
      const quarantined = await tableRows(lake.root, `quarantine/public/${name}`);
      assert.deepEqual([t.source, t.bronze, t.silver, t.quarantined], [source.length, bronze.length, silver.length, quarantined.length], t.table);
      bronzeTotal += bronze.length;
      // nothing lost: every source row is in silver or in quarantine (the demo only inserts)
      const kept = new Set([...silver.map((r) => String(r[key])), ...quarantined.map((r) => String((JSON.parse(String(r.key_json)) as Record<string, unknown>)[key]))]);
      assert.deepEqual(source.filter((k) => !kept.has(k)), [], `${t.table}: every source row in silver or quarantine`);
    }
    assert.equal(s.bronzeChanges, bronzeTotal);
    assert.equal(s.changesCaptured, bronzeTotal, 'every change captured by the run is in bronze, once');

    // gold tables and the export
    for (const g of s.gold) assert.equal(g.rows, (await tableRows(lake.root, `gold/${g.table}`)).length, `gold/${g.table} rows`);
    assert.deepEqual(s.gold.map((g) => g.table).sort(), ['activities_enriched', 'employee_benefits', 'hr_declaration_flags', 'kpis', 'match_crowd']);
    const manifest = JSON.parse(readFileSync(join(out, 'export', 'manifest.json'), 'utf8')) as { tables: { name: string; rows: number; version: number }[] };
    for (const t of manifest.tables) {
      const g = s.gold.find((x) => x.table === t.name)!;
      assert.deepEqual([t.rows, t.version], [g.rows, g.version], `${t.name} exported at the version summarised`);
      assert.ok(existsSync(join(out, 'export', `${t.name}.parquet`)) && existsSync(join(out, 'export', `${t.name}.csv`)));
    }

    // gold figures, recomputed from employee_benefits and match_crowd
    const f = s.figures!;
    assert.ok(f.reportingYear);
    const benefits = (await tableRows(lake.root, 'gold/employee_benefits')).filter((r) => r.year === f.reportingYear);
    const paid = benefits.filter((r) => r.bonus_paid === true);
    assert.equal(cents(f.bonusTotal), paid.reduce((n, r) => n + cents(r.bonus_amount), 0n), 'total bonus');
    assert.equal(f.employeesPaid, paid.length);
    const flags = await tableRows(lake.root, 'gold/hr_declaration_flags');
    const byCheck: Record<string, number> = {};
    for (const r of flags) byCheck[String(r.failed_check)] = (byCheck[String(r.failed_check)] ?? 0) + 1;
    assert.deepEqual(f.refusedBy, byCheck, 'refusals by check');
    assert.equal(flags.length, f.employeesRefused);
    assert.ok((byCheck.address_over_limit ?? 0) + (byCheck.declared_differs ?? 0) > 0, 'the demo has declarations the home address contradicts');
    assert.ok(f.employeesPaid > 0);
    assert.equal(f.wellnessDays, benefits.reduce((n, r) => n + Number(r.wellness_days), 0));
    assert.equal(f.employeesWithWellnessDays, benefits.filter((r) => Number(r.wellness_days) > 0).length);
    const crowd = await tableRows(lake.root, 'gold/match_crowd');
    const top = crowd.reduce<Row | undefined>((best, r) => (!best || Number(r.risk_score) > Number(best.risk_score) || (r.risk_score === best.risk_score && Number(r.match_id) < Number(best.match_id)) ? r : best), undefined);
    if (!top) assert.equal(f.highestRisk, null, 'no crowd window, no highest-risk match');
    else {
      assert.deepEqual([f.highestRisk?.matchId, f.highestRisk?.score, f.highestRisk?.level], [Number(top.match_id), Number(top.risk_score), String(top.risk_level)], 'highest-risk match');
      assert.equal(f.highestRisk?.match, `${String(top.home_team)} – ${String(top.away_team)}`);
    }

    // Slack: one message per live activity insert (the snapshot is not announced)
    const inserts = (await tableRows(lake.root, 'bronze/public/activities')).filter((r) => r._op === 'c');
    assert.ok(inserts.length > 0);
    assert.equal(s.slack.sent, inserts.length, 'a message per live insert');
    assert.equal(s.slack.sink, 'log');
    assert.equal(s.slack.examples.length, Math.min(3, inserts.length));
    assert.ok(s.slack.examples.every((e) => run.stderr.includes(`message for #sport: ${e.split('\n')[0]}`)), 'the examples are messages the log shows');

    // quarantine, by rule
    const byRule = new Map<string, number>();
    for (const name of Object.keys(KEYS)) for (const r of await tableRows(lake.root, `quarantine/public/${name}`)) byRule.set(`${String(r.table_name)} ${String(r.rule)}`, (byRule.get(`${String(r.table_name)} ${String(r.rule)}`) ?? 0) + 1);
    assert.deepEqual(new Map(s.quarantine.map((q) => [`${q.table} ${q.rule}`, q.rows])), byRule);
    assert.ok(byRule.size > 0, 'with --bad-rate 0.2, something was quarantined');

    // where the metrics are
    const metrics = readFileSync(s.where.metricsFile, 'utf8');
    assert.match(metrics, /^lakehouse_bronze_rows_total\{/m);
    assert.match(s.where.metricsUrl, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const kpis = await DeltaTable.open(lake.root, 'gold/kpis');
    assert.equal(String((await kpis.rows())[0]!.bonus_cost_total), f.bonusTotal);
  } finally {
    await db.end();
  }
});
