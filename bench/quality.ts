// `npm run bench -- quality [--records N] [--batch N] [--bad-rate R]`
// The quality gate on one core with the project's rules for the demo tables and every
// expectation: records validated per second over a stream shaped like the demo's live inserts
// (four activities for one crowd reading, a few employees), in batches as silver hands them over,
// and the time the gate adds to one batch of 10,000 activities. Foreign keys are answered from an
// in-memory index, as a silver writer keeping one would; the lookup's own cost is not the gate's.
import { parseArgs } from 'node:util';
import { setLogLevel } from '../common/log.js';
import { QualityGate, keyString, type GateContext, type GateRecord } from '../quality/gate.js';
import { demoRecords } from '../quality/testing/demo-records.js';
import { makeActivity, makeEmployees, makeMatches, makeReadings, rng, type Employee } from '../demo/generate.js';
import { BAD_ROW_KINDS, makeBadActivity, makeZeroSalaryEmployee } from '../demo/bad-rows.js';
import { STADIUMS } from '../demo/reference-data.js';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function stream(n: number, badRate: number, now: Date): Record<string, GateRecord[]> {
  const r = rng(2025);
  const employees = makeEmployees(r, 2000);
  const matches = makeMatches(r);
  let id = 1;
  const next = () => id++;
  const year = 365 * 86_400_000;
  const acts: Record<string, unknown>[] = [];
  const readings: Record<string, unknown>[] = [];
  const hires: Employee[] = [];
  const nActs = Math.round(n * 0.8);
  for (let i = 0; i < nActs; i++) {
    const e = employees[Math.floor(r() * employees.length)]!;
    if (r() < badRate) {
      const kind = BAD_ROW_KINDS[Math.floor(r() * BAD_ROW_KINDS.length)]!;
      if (kind === 'zero_salary') hires.push(makeZeroSalaryEmployee(r, 200000 + i));
      else acts.push(makeBadActivity(r, kind, e.employee_id, now) as never);
    } else acts.push(makeActivity(r, e, new Date(now.getTime() - r() * year)) as never);
  }
  while (readings.length < n - nActs) for (const m of matches) readings.push(...(makeReadings(r, m) as never[]));
  readings.length = n - nActs;
  return {
    'public.employees': demoRecords('public.employees', [...employees, ...hires] as never, 'r'),
    'public.stadiums': demoRecords('public.stadiums', STADIUMS.map((s) => ({ stadium_id: s.id, name: s.name, city: s.city, capacity: s.capacity })), 'r'),
    'public.matches': demoRecords('public.matches', matches as never, 'r'),
    'public.activities': demoRecords('public.activities', acts, 'c', next),
    'public.crowd_readings': demoRecords('public.crowd_readings', readings, 'c', next),
  };
}

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { records: { type: 'string' }, batch: { type: 'string' }, 'bad-rate': { type: 'string' }, rounds: { type: 'string' } } });
  const n = Number(values.records ?? 200_000);
  const batchSize = Number(values.batch ?? 10_000);
  const badRate = Number(values['bad-rate'] ?? 0.01);
  const rounds = Number(values.rounds ?? 3);
  setLogLevel('error');
  const now = new Date();
  const gate = QualityGate.load();
  process.stdout.write(`preparing ${n.toLocaleString('en')} records (${(badRate * 100).toFixed(1)} % bad)...\n`);
  const data = stream(n, badRate, now);
  const index = new Map<string, Set<string>>();
  for (const [table, recs] of Object.entries(data)) {
    for (const col of ['employee_id', 'stadium_id', 'match_id']) {
      if (recs[0] && col in recs[0].row) index.set(`${table}.${col}`, new Set(recs.map((x) => keyString(x.row[col]))));
    }
  }
  const ctx: GateContext = {
    now: () => now,
    lookup: async (table, column, vs) => {
      const have = index.get(`${table}.${column}`) ?? new Set<string>();
      return new Set(vs.map(keyString).filter((v) => have.has(v)));
    },
  };
  const total = Object.values(data).reduce((s, x) => s + x.length, 0);
  const rules = gate.tables().reduce((s, t) => s + gate.rules(t).length, 0);

  // 1. throughput: the whole stream, table by table in batches; the first round warms the JIT
  const rates: number[] = [];
  let quarantined = 0;
  for (let round = 0; round <= rounds; round++) {
    quarantined = 0;
    const started = process.hrtime.bigint();
    for (const table of gate.tables()) {
      const recs = data[table]!;
      for (let i = 0; i < recs.length; i += batchSize) quarantined += (await gate.check(table, recs.slice(i, i + batchSize), ctx)).quarantined.length;
    }
    const s = Number(process.hrtime.bigint() - started) / 1e9;
    if (round > 0) rates.push(total / s);
  }
  rates.sort((a, b) => a - b);

  // 2. latency: what the gate adds to one batch of 10,000 activities
  const acts = data['public.activities']!;
  const ms: number[] = [];
  for (let i = 0; i < 40; i++) {
    const from = (i * 10_000) % Math.max(1, acts.length - 10_000);
    const batch = acts.slice(from, from + 10_000);
    const started = process.hrtime.bigint();
    await gate.check('public.activities', batch, ctx);
    if (i >= 5) ms.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  ms.sort((a, b) => a - b);

  const out = {
    records: total,
    rules,
    batch: batchSize,
    bad_rate: badRate,
    quarantined,
    records_per_s_median: Math.round(rates[Math.floor(rates.length / 2)]!),
    records_per_s_best: Math.round(rates[rates.length - 1]!),
    activities_10k_batch_ms_p50: Number(percentile(ms, 50).toFixed(1)),
    activities_10k_batch_ms_p99: Number(percentile(ms, 99).toFixed(1)),
  };
  process.stdout.write(
    [
      `quality gate: ${total.toLocaleString('en')} records of 5 tables, ${rules} rules (schemas and expectations), batches of ${batchSize.toLocaleString('en')}, ${quarantined} quarantined`,
      `  throughput: ${out.records_per_s_median.toLocaleString('en')} records/s (median of ${rounds}; best ${out.records_per_s_best.toLocaleString('en')}); target >= 200,000`,
      `  one batch of 10,000 activities: p50 ${out.activities_10k_batch_ms_p50} ms, p99 ${out.activities_10k_batch_ms_p99} ms; target < 50 ms`,
      JSON.stringify(out),
    ].join('\n') + '\n',
  );
}
