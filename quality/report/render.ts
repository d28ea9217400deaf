// The quality report as one self-contained HTML page (inline CSS and SVG, no script, nothing
// fetched), so it opens offline from a file, a share or an e-mail attachment: per table and rule
// the pass rate overall and over time, and the latest failures with their records.

import { bucketWidth, passRateChart, percent, type Bucket } from './chart.js';
import { escapeHtml as e } from './html.js';
import type { QuarantineRow, ReportData, ResultRow } from './read.js';

interface RuleSummary {
  rule: string;
  expectation: string;
  action: string;
  mostly: number;
  evaluated: number;
  failed: number;
  batches: number;
  latest: ResultRow;
  buckets: Bucket[];
  failing: ResultRow[];
}

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;color:#1b1b1b;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:32px 0 8px;border-bottom:2px solid #ddd;padding-bottom:4px}
h3{font-size:15px;margin:18px 0 6px}.meta{color:#555;margin:0 0 16px}
table{border-collapse:collapse;margin:6px 0 12px}th,td{border:1px solid #d6d6d6;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f3f3f3}td.n{text-align:right;font-variant-numeric:tabular-nums}
.ok{color:#2e7d32;font-weight:600}.bad{color:#c62828;font-weight:600}
.action-quarantine{color:#8a4b00}.action-fail{color:#c62828}.action-warn{color:#555}
pre{margin:0;white-space:pre-wrap;word-break:break-word;max-width:560px;font-size:12px}
code{font-size:12px}.chart{display:block}.empty{color:#777;font-style:italic}
`;

function n(x: number): string {
  return x.toLocaleString('en-US');
}

function time(d: Date): string {
  return `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

function summarise(rows: ResultRow[]): RuleSummary[] {
  const byRule = new Map<string, ResultRow[]>();
  for (const r of rows) {
    const list = byRule.get(r.rule);
    if (list) list.push(r);
    else byRule.set(r.rule, [r]);
  }
  const first = Math.min(...rows.map((r) => r.batchTime.getTime()));
  const last = Math.max(...rows.map((r) => r.batchTime.getTime()));
  const width = bucketWidth(first, last);
  const out: RuleSummary[] = [];
  for (const [rule, list] of byRule) {
    list.sort((a, b) => a.batchTime.getTime() - b.batchTime.getTime());
    const latest = list[list.length - 1]!;
    const buckets = new Map<number, Bucket>();
    for (const r of list) {
      const start = Math.floor(r.batchTime.getTime() / width) * width;
      const b = buckets.get(start) ?? { start: new Date(start), evaluated: 0, failed: 0 };
      b.evaluated += r.evaluated;
      b.failed += r.failed;
      buckets.set(start, b);
    }
    out.push({
      rule, expectation: latest.expectation, action: latest.action, mostly: latest.mostly,
      evaluated: list.reduce((s, r) => s + r.evaluated, 0), failed: list.reduce((s, r) => s + r.failed, 0), batches: list.length,
      latest, buckets: [...buckets.values()].sort((a, b) => a.start.getTime() - b.start.getTime()),
      failing: list.filter((r) => r.failed > 0).reverse(),
    });
  }
  // the schema first, as the gate evaluates it, then by name
  return out.sort((a, b) => (a.expectation === 'schema' ? -1 : b.expectation === 'schema' ? 1 : a.rule.localeCompare(b.rule)));
}

function ruleTable(rules: RuleSummary[]): string {
  const rows = rules.map((r) => {
    const rate = r.evaluated === 0 ? 1 : 1 - r.failed / r.evaluated;
    const ok = rate + 1e-9 >= r.mostly;
    return `<tr data-rule="${e(r.rule)}"><td><code>${e(r.rule)}</code></td><td>${e(r.expectation)}</td><td class="action-${e(r.action)}">${e(r.action)}</td>` +
      `<td class="n">${r.mostly}</td><td class="n">${n(r.batches)}</td><td class="n">${n(r.evaluated)}</td><td class="n">${n(r.failed)}</td>` +
      `<td class="n ${ok ? 'ok' : 'bad'}">${percent(rate)}</td>` +
      `<td class="${r.latest.passed ? 'ok' : 'bad'}">${r.latest.passed ? 'passed' : 'failed'} (${n(r.latest.failed)} of ${n(r.latest.evaluated)})</td>` +
      `<td>${passRateChart(r.buckets, r.mostly)}</td></tr>`;
  });
  return `<table class="rules"><thead><tr><th>rule</th><th>expectation</th><th>action</th><th>mostly</th><th>batches</th><th>evaluated</th><th>failed</th><th>pass rate</th><th>latest batch</th><th>pass rate over time</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 1);
  } catch {
    return text;
  }
}

function quarantineTable(q: { total: number; latest: QuarantineRow[] } | undefined): string {
  if (!q || q.total === 0) return '<p class="empty">No record of this table is in quarantine.</p>';
  const rows = q.latest.map(
    (r) => `<tr><td>${e(time(r.quarantinedAt))}</td><td><code>${e(r.key)}</code></td><td>${e(r.op)}</td><td><code>${e(r.rule)}</code></td><td>${e(r.message)}</td><td><pre>${e(prettyJson(r.record))}</pre></td></tr>`,
  );
  const shown = q.latest.length < q.total ? ` (the newest ${n(q.latest.length)} of ${n(q.total)})` : ` (${n(q.total)})`;
  return `<h3>Latest quarantined records${shown}</h3><table class="quarantine"><thead><tr><th>quarantined at</th><th>key</th><th>op</th><th>rule</th><th>message</th><th>record</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function warningsTable(rules: RuleSummary[], perRule: number): string {
  const rows = rules
    .filter((r) => r.action !== 'quarantine')
    .flatMap((r) => r.failing.slice(0, perRule).map((f) => ({ r, f })))
    .sort((a, b) => b.f.batchTime.getTime() - a.f.batchTime.getTime())
    .map(({ r, f }) => `<tr><td>${e(time(f.batchTime))}</td><td><code>${e(r.rule)}</code></td><td class="action-${e(r.action)}">${e(r.action)}</td><td class="n">${n(f.failed)} of ${n(f.evaluated)}</td><td>${f.sampleKeys.map((k) => `<code>${e(k)}</code>`).join(', ')}</td></tr>`);
  if (rows.length === 0) return '';
  return `<h3>Latest warnings (records kept in silver)</h3><table class="warnings"><thead><tr><th>batch</th><th>rule</th><th>action</th><th>failed</th><th>sample keys</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

export function renderReport(data: ReportData, o: { generatedAt: Date; lakeRoot: string; warningsPerRule?: number }): string {
  const tables = [...new Set([...data.results.map((r) => r.table), ...data.quarantine.keys()])].sort();
  const times = data.results.map((r) => r.batchTime.getTime());
  const span = times.length ? `${n(new Set(times).size)} validated batches from ${time(new Date(Math.min(...times)))} to ${time(new Date(Math.max(...times)))}` : 'no validated batch yet';
  const summaryRows: string[] = [];
  const sections: string[] = [];
  for (const t of tables) {
    const rows = data.results.filter((r) => r.table === t);
    const rules = rows.length ? summarise(rows) : [];
    const schema = rules.find((r) => r.expectation === 'schema');
    const failingNow = rules.filter((r) => !r.latest.passed).map((r) => r.rule);
    const q = data.quarantine.get(t);
    const id = `t-${t.replace(/[^A-Za-z0-9_-]/g, '-')}`;
    summaryRows.push(
      `<tr><td><a href="#${id}">${e(t)}</a></td><td class="n">${n(schema?.batches ?? 0)}</td><td class="n">${n(schema?.evaluated ?? 0)}</td><td class="n">${n(q?.total ?? 0)}</td>` +
        `<td class="${failingNow.length ? 'bad' : 'ok'}">${failingNow.length ? failingNow.map(e).join(', ') : 'none'}</td></tr>`,
    );
    sections.push(
      `<section id="${id}"><h2>${e(t)}</h2>${rules.length ? ruleTable(rules) : '<p class="empty">No results recorded for this table.</p>'}` +
        `${quarantineTable(q)}${warningsTable(rules, o.warningsPerRule ?? 5)}</section>`,
    );
  }
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Data quality report</title><style>${CSS}</style></head>
<body><h1>Data quality report</h1>
<p class="meta">Generated ${e(time(o.generatedAt))} from the lake at <code>${e(o.lakeRoot)}</code>: ${e(span)}. Pass rate = records that passed / records evaluated; a rule fails when it is below its <em>mostly</em>.</p>
${tables.length === 0 ? '<p class="empty">The lake holds no quality results and no quarantined records yet.</p>' : `<table class="summary"><thead><tr><th>table</th><th>batches</th><th>records checked</th><th>in quarantine</th><th>rules failing in the latest batch</th></tr></thead><tbody>${summaryRows.join('')}</tbody></table>`}
${sections.join('\n')}
</body></html>
`;
}
