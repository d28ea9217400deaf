// The demo's closing summary, every figure read back from where it lives: the source rows from
// PostgreSQL, each layer's rows from the Delta logs, the gold figures from gold/kpis, the
// quarantined rows by rule from the quarantine tables, the messages from the notifier's sink.

import { resolve } from 'node:path';
import type pg from 'pg';
import { textTable } from '../cli/text-table.js';
import { DeltaTable, type Row } from '../lake/index.js';
import { layerPath } from '../lake/layers.js';
import type { Manifest } from '../lake/export/export.js';
import { readLake } from '../monitoring/lake-tables.js';

export interface DemoSummary {
  caughtUp: boolean;
  /** The stage still behind when the demo gave up waiting. */
  waitingFor: string | null;
  seconds: number;
  /** Change events captured by this run: snapshot rows and streamed changes (lakehouse_cdc_snapshot_rows_total + lakehouse_cdc_changes_total). */
  changesCaptured: number;
  /** Change events in the bronze tables, all runs together. */
  bronzeChanges: number;
  tables: Array<{ table: string; source: number; bronze: number; silver: number; quarantined: number }>;
  gold: Array<{ table: string; version: number; rows: number }>;
  figures: {
    reportingYear: number | null;
    bonusTotal: string;
    employeesPaid: number;
    employeesRefused: number;
    /** Refused declarations by failed check (gold/hr_declaration_flags). */
    refusedBy: Record<string, number>;
    wellnessDays: number;
    employeesWithWellnessDays: number;
    highestRisk: { matchId: number; match: string; stage: string; windowStart: string; score: number; level: string } | null;
  } | null;
  slack: { sent: number; sink: 'slack' | 'log'; channel: string; examples: string[] };
  quarantine: Array<{ table: string; rule: string; rows: number }>;
  /** The gold tables exported (from manifest.json), or null when the export failed. */
  exported: Array<{ table: string; version: number; rows: number }> | null;
  where: { lake: string; export: string; manifest: string; metricsUrl: string; metricsFile: string; summaryFile: string; stackSlot?: string | null };
}

export interface SummaryInputs {
  db: pg.Client;
  lakeRoot: string;
  schema: string;
  tables: readonly string[];
  caughtUp: boolean;
  waitingFor: string | null;
  startedAt: number;
  changesCaptured: number;
  slack: DemoSummary['slack'];
  manifest: Manifest | null;
  where: DemoSummary['where'];
}

async function rowsOf(root: string, path: string): Promise<Row[]> {
  try {
    return await (await DeltaTable.open(root, path)).rows();
  } catch {
    return [];
  }
}

export async function gatherSummary(i: SummaryInputs): Promise<DemoSummary> {
  const lake = await readLake(i.lakeRoot);
  const rowsAt = (path: string) => lake.tables.find((t) => t.path === path)?.rows ?? 0;
  const tables = [];
  for (const t of i.tables) {
    const source = Number((await i.db.query<{ n: string }>(`select count(*)::text as n from "${i.schema}"."${t}"`)).rows[0]!.n);
    tables.push({ table: `${i.schema}.${t}`, source, bronze: rowsAt(layerPath('bronze', i.schema, t)), silver: rowsAt(layerPath('silver', i.schema, t)), quarantined: rowsAt(layerPath('quarantine', i.schema, t)) });
  }
  const quarantine = new Map<string, { table: string; rule: string; rows: number }>();
  for (const t of lake.tables.filter((x) => x.layer === 'quarantine')) {
    for (const r of await rowsOf(i.lakeRoot, t.path)) {
      const k = `${String(r.table_name)} ${String(r.rule)}`;
      const e = quarantine.get(k) ?? { table: String(r.table_name), rule: String(r.rule), rows: 0 };
      e.rows++;
      quarantine.set(k, e);
    }
  }
  const [k] = await rowsOf(i.lakeRoot, 'gold/kpis');
  const refusedBy: Record<string, number> = {};
  for (const f of await rowsOf(i.lakeRoot, 'gold/hr_declaration_flags')) {
    const check = String(f.failed_check ?? 'other');
    refusedBy[check] = (refusedBy[check] ?? 0) + 1;
  }
  return {
    caughtUp: i.caughtUp,
    waitingFor: i.waitingFor,
    seconds: Math.round((Date.now() - i.startedAt) / 100) / 10,
    changesCaptured: i.changesCaptured,
    bronzeChanges: lake.tables.filter((t) => t.layer === 'bronze').reduce((n, t) => n + t.rows, 0),
    tables,
    gold: lake.tables.filter((t) => t.layer === 'gold').map((t) => ({ table: t.path.slice('gold/'.length), version: t.version, rows: t.rows })),
    figures: k ? {
      reportingYear: k.reporting_year as number | null,
      bonusTotal: String(k.bonus_cost_total),
      employeesPaid: Number(k.employees_bonus_paid),
      employeesRefused: Number(k.employees_bonus_refused),
      refusedBy,
      wellnessDays: Number(k.wellness_days_granted),
      employeesWithWellnessDays: Number(k.employees_with_wellness_days),
      highestRisk: k.highest_risk_match_id === null ? null : {
        matchId: Number(k.highest_risk_match_id),
        match: String(k.highest_risk_match),
        stage: String(k.highest_risk_stage),
        windowStart: (k.highest_risk_window_start as Date).toISOString(),
        score: Number(k.highest_risk_score),
        level: String(k.highest_risk_level),
      },
    } : null,
    slack: i.slack,
    quarantine: [...quarantine.values()].sort((a, b) => b.rows - a.rows || a.rule.localeCompare(b.rule)),
    exported: i.manifest ? i.manifest.tables.map((t) => ({ table: t.name, version: t.version, rows: t.rows })) : null,
    where: i.where,
  };
}

const n = (x: number) => x.toLocaleString('en');
const money = (s: string) => {
  const [whole, cents = '00'] = s.split('.');
  return `${Number(whole).toLocaleString('en')}.${cents.padEnd(2, '0')}`;
};

export function summaryText(s: DemoSummary): string {
  const out: string[] = [];
  const took = s.seconds >= 90 ? `${Math.floor(s.seconds / 60)} min ${Math.round(s.seconds % 60)} s` : `${s.seconds} s`;
  out.push('', `Demo summary (${took})${s.caughtUp ? '' : ` — NOT caught up: still waiting for ${s.waitingFor}`}`, '');
  out.push(`Changes captured: ${n(s.changesCaptured)} by this run; bronze holds ${n(s.bronzeChanges)} change events.`, '');
  out.push(textTable(['table', 'PostgreSQL', 'bronze', 'silver', 'quarantined'], s.tables.map((t) => [t.table, t.source, t.bronze, t.silver, t.quarantined])));
  out.push('', textTable(['gold table', 'version', 'rows'], s.gold.map((g) => [g.table, g.version, g.rows])));
  out.push('');
  const f = s.figures;
  if (f) {
    out.push(`Gold figures${f.reportingYear ? ` (${f.reportingYear})` : ''}`);
    out.push(`  sport bonus          ${money(f.bonusTotal)} € to ${n(f.employeesPaid)} employees (${n(f.employeesRefused)} declarations refused: gold/hr_declaration_flags)`);
    const checks: Record<string, string> = {
      declared_differs: 'far from the distance of the home address', address_over_limit: 'home beyond the limit',
      declared_over_limit: 'declared over the limit', address_not_located: 'address not located', no_distance: 'no distance', no_salary: 'no salary',
    };
    const refused = Object.entries(f.refusedBy ?? {}).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    if (refused.length) out.push(`  refused because      ${refused.map(([c, count]) => `${count} ${checks[c] ?? c}`).join(', ')}`);
    out.push(`  wellness days        ${n(f.wellnessDays)} days to ${n(f.employeesWithWellnessDays)} employees`);
    const r = f.highestRisk;
    out.push(r
      ? `  highest-risk match   ${r.match} (${r.stage}), window from ${r.windowStart.replace(/:00\.000Z$/, 'Z')}: score ${r.score.toFixed(3)}, ${r.level}`
      : '  highest-risk match   (no crowd readings yet)');
  } else out.push('Gold figures: gold/kpis is not written yet');
  out.push('');
  const where = s.slack.sink === 'slack' ? `posted to ${s.slack.channel}` : `printed to the log for ${s.slack.channel} (no SLACK_BOT_TOKEN)`;
  out.push(`Slack: ${n(s.slack.sent)} messages ${where}${s.slack.examples.length ? ', the first:' : ''}`);
  for (const e of s.slack.examples) out.push(`  ${e.split('\n')[0]}`);
  out.push('');
  const quarantined = s.quarantine.reduce((a, q) => a + q.rows, 0);
  out.push(`Quarantined: ${n(quarantined)} rows${quarantined ? ' (lakehouse quality report for the details)' : ''}`);
  if (quarantined) out.push(textTable(['table', 'rule', 'rows'], s.quarantine.map((q) => [q.table, q.rule, q.rows])));
  out.push('');
  out.push('Where');
  out.push(`  lake                 ${resolve(s.where.lake)}`);
  out.push(s.exported
    ? `  export for Power BI  ${s.where.export} (manifest.json, ${s.exported.length} gold tables as .parquet and .csv)`
    : '  export for Power BI  failed (see the log above)');
  out.push(`  metrics              ${s.where.metricsFile} (the last scrape; served on ${s.where.metricsUrl} while the pipeline runs)`);
  out.push(`  summary              ${s.where.summaryFile}`);
  out.push('  status               node bin/lakehouse.js status');
  if (s.where.stackSlot) {
    out.push(`  local stack          still running, so that the next demo goes on from here; its slot ${s.where.stackSlot}`,
      '                       keeps WAL until then. node bin/lakehouse.js stack down stops it (--wipe also',
      '                       deletes its databases, slots and topics)');
  }
  out.push('  alerts, dashboard    monitoring/ (Prometheus rules, Grafana): docs/monitoring.md');
  return out.join('\n');
}

