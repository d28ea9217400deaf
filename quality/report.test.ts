// `lakehouse quality report` renders in a real browser (headless Chromium): the DOM holds each
// rule with its figures and the quarantined records with their messages (data escaped, never run),
// and the screenshot is a real page with the pass-rate bars drawn.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { QualityGate, type GateContext } from './gate.js';
import { writeQuarantine } from './quarantine-table.js';
import { writeQualityResults } from './results-table.js';
import { tempLake } from '../lake/testing/tmp.js';
import { demoRecords } from './testing/demo-records.js';
import { runChromium } from './testing/chromium.js';
import { decodePng } from './testing/png.js';
import { makeActivity, makeEmployees, rng } from '../demo/generate.js';

// yesterday, on the hour: inside the report's default 30 days whatever the clock says
const START = new Date(Math.floor((Date.now() - 86_400_000) / 3_600_000) * 3_600_000);
const OLD = new Date(START.getTime() - 40 * 86_400_000);

async function fillLake(lake: string): Promise<void> {
  const gate = QualityGate.load();
  const r = rng(8);
  const employees = makeEmployees(r, 5);
  let id = 1;
  for (let b = 0; b < 6; b++) {
    const at = new Date(START.getTime() + b * 5 * 60_000);
    const ctx: GateContext = { now: () => at, lookup: async (_t, _c, values) => new Set(values.map(String).filter((v) => v !== '42')) };
    const good = makeActivity(r, employees[b % 5]!, new Date(at.getTime() - 3 * 3600_000));
    const unknown = { ...makeActivity(r, employees[0]!, new Date(at.getTime() - 2 * 3600_000)), employee_id: 42, comment: '<script>document.title="pwned"</script> & co' };
    const short = { ...makeActivity(r, employees[1]!, new Date(at.getTime() - 3600_000)), sport_type: 'Boxe', distance_m: null, elapsed_s: b < 3 ? 30 : 3000 };
    const recs = demoRecords('public.activities', [good, unknown, short] as never, 'c', () => id++);
    const out = await gate.check('public.activities', recs, ctx);
    const txn = { appId: 'bronze/public/activities', version: b };
    await writeQuarantine(lake, 'public.activities', out.quarantined, txn, at);
    await writeQualityResults(lake, out.results, txn, at);
  }
  const empCtx: GateContext = { now: () => START, lookup: async () => new Set() };
  const emp = await gate.check('public.employees', demoRecords('public.employees', employees as never, 'r'), empCtx);
  await writeQualityResults(lake, emp.results, { appId: 'bronze/public/employees', version: 0 }, START);
  // older than --days: not read
  const stadiums = await gate.check('public.stadiums', demoRecords('public.stadiums', [{ stadium_id: 1, name: 'Al Barid', city: 'Rabat', capacity: 18000 }], 'r'), { ...empCtx, now: () => OLD });
  await writeQualityResults(lake, stadiums.results, { appId: 'bronze/public/stadiums', version: 0 }, OLD);
}

function ruleRow(dom: string, rule: string): string {
  const m = new RegExp(`<tr data-rule="${rule}">([\\s\\S]*?)</tr>`).exec(dom);
  assert.ok(m, `a row for rule ${rule}`);
  return m[1]!.replace(/<svg[\s\S]*?<\/svg>/g, '').replace(/<[^>]+>/g, '|').replace(/\|+/g, '|');
}

test('the HTML report shows each rule\'s figures and the latest failures with their records, in headless Chromium', { timeout: 180_000 }, async (t) => {
  const lake = tempLake(t);
  await fillLake(lake);
  const out = mkdtempSync(join(tmpdir(), 'quality-report-'));
  t.after(() => rmSync(out, { recursive: true, force: true }));
  const cli = spawnSync(process.execPath, ['bin/lakehouse.js', 'quality', 'report', '--root', lake, '--out', out], { encoding: 'utf8' });
  assert.equal(cli.status, 0, cli.stderr);
  const file = join(out, 'index.html');
  assert.equal(cli.stdout.trim(), file);
  const html = readFileSync(file, 'utf8');
  assert.doesNotMatch(html, /<(script|link|img)\b|https?:\/\//, 'self-contained: no script, no external resource');

  const dom = runChromium(['--dump-dom', pathToFileURL(file).href]).stdout;
  assert.match(dom, /<title>Data quality report<\/title>/, 'the data\'s <script> was not run');
  // rule | expectation | action | mostly | batches | evaluated | failed | pass rate | latest batch
  assert.match(ruleRow(dom, 'employee_exists'), /^\|employee_exists\|foreign_key\|quarantine\|1\|6\|18\|6\|66\.67 %\|failed \(1 of 3\)\|/);
  assert.match(ruleRow(dom, 'elapsed_plausible'), /^\|elapsed_plausible\|between\|warn\|1\|6\|18\|3\|83\.33 %\|passed \(0 of 3\)\|/);
  assert.match(ruleRow(dom, 'schema'), /^\|schema\|schema\|quarantine\|1\|6\|18\|0\|100 %\|passed \(0 of 3\)\|/);
  assert.match(ruleRow(dom, 'distance_recorded'), /\|not_null\|warn\|0\.9\|/);
  assert.match(dom, /<td><a href="#t-public-activities">public\.activities<\/a><\/td><td class="n">6<\/td><td class="n">18<\/td><td class="n">6<\/td><td class="bad">employee_exists<\/td>/, 'summary: batches, records checked, in quarantine, rules failing now');
  assert.match(dom, /<td><a href="#t-public-employees">public\.employees<\/a><\/td><td class="n">1<\/td><td class="n">5<\/td><td class="n">0<\/td><td class="ok">none<\/td>/);
  assert.match(dom, /Latest quarantined records \(6\)/);
  assert.equal(dom.match(/employee_id = 42 has no row in public\.employees \(employee_id\)/g)?.length, 6);
  assert.match(dom, /"comment": "&lt;script&gt;document\.title=\\"pwned\\"&lt;\/script&gt; &amp; co"/, 'the raw record, escaped');
  assert.match(dom, /Latest warnings[\s\S]*elapsed_plausible[\s\S]*1 of 3[\s\S]*\{"activity_id":9\}/, 'warn failures with their sample keys');
  const lastBar = new Date(START.getTime() + 25 * 60_000).toISOString().slice(0, 16).replace('T', ' ');
  assert.ok(dom.includes(`<title>${lastBar} UTC: 66.67 % (1 of 3 failed)</title>`), 'each bar says its time and rate');
  assert.doesNotMatch(dom, /public\.stadiums/, 'results older than --days (30) are left out');

  const png = join(out, 'report.png');
  runChromium([`--screenshot=${png}`, '--window-size=1400,1000', pathToFileURL(file).href]);
  const img = decodePng(readFileSync(png));
  assert.deepEqual([img.width, img.height], [1400, 1000]);
  const colours = new Set<number>();
  let ink = 0, red = 0, green = 0;
  const near = (i: number, rgb: number[]) => Math.abs(img.pixels[i]! - rgb[0]!) < 10 && Math.abs(img.pixels[i + 1]! - rgb[1]!) < 10 && Math.abs(img.pixels[i + 2]! - rgb[2]!) < 10;
  for (let i = 0; i < img.pixels.length; i += img.channels) {
    const [pr, pg, pb] = [img.pixels[i]!, img.pixels[i + 1]!, img.pixels[i + 2]!];
    colours.add((pr << 16) | (pg << 8) | pb);
    if (pr + pg + pb < 600) ink++;
    if (near(i, [0xc6, 0x28, 0x28])) red++;
    if (near(i, [0x2e, 0x7d, 0x32])) green++;
  }
  assert.ok(colours.size > 50, `anti-aliased text and charts, not a flat image (${colours.size} colours)`);
  assert.ok(ink / (img.width * img.height) > 0.02, `text drawn on the page (${(100 * ink / (img.width * img.height)).toFixed(1)} % ink)`);
  assert.ok(red > 100 && green > 100, `the failing (red: ${red} px) and passing (green: ${green} px) pass-rate bars are drawn`);
});
