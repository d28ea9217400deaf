// `npm run bench -- notify [--count N] [--rate R] [--interval-ms MS]`
// Commit-to-Slack latency of the notifier when the channel's rate allows it: activities are
// inserted in PostgreSQL at R per second (default 5), captured by the real capture, written to
// bronze and judged by silver (the real writers, at their default pace: bronze.batchMaxWaitMs and
// silver.intervalMs 500 ms), and posted by the notifier once silver accepted them, through the
// real @slack/web-api client to the Slack stand-in, which enforces one
// message per --interval-ms (default 100 ms, i.e. 10/s: the rate is above the insert rate, so
// the figure is the pipeline's, not the queue's). Latency = stand-in receipt time minus the
// PostgreSQL commit time carried by the event (source.ts_ms). Target (issue 7): p99 under 3 s.
import { parseArgs } from 'node:util';
import pg from 'pg';
import { setLogLevel } from '../common/log.js';
import { insertActivities, notifyWorld, startNotifier, until } from '../notifier/testing/harness.js';

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { count: { type: 'string' }, rate: { type: 'string' }, 'interval-ms': { type: 'string' } } });
  const count = Number(values.count ?? 150);
  const rate = Number(values.rate ?? 5);
  const intervalMs = Number(values['interval-ms'] ?? 100);
  setLogLevel('warn');
  const employees = Array.from({ length: 20 }, (_, i) => ({ employee_id: i + 1, first_name: 'Léa', last_name: `N'Diaye ${i + 1}` }));
  const world = await notifyWorld({
    employees,
    standIn: { intervalMs, burst: 3 },
    notifyEnv: { NOTIFY_INTERVAL_MS: String(intervalMs), NOTIFY_BURST: '3' },
    lakeEnv: { BRONZE_BATCH_MAX_WAIT_MS: '500', SILVER_INTERVAL_MS: '500' },
  });
  const n = await startNotifier(world.notifyEnv);
  const client = new pg.Client({ connectionString: world.env.DATABASE_URL });
  await client.connect();
  try {
    const started = Date.now();
    for (let i = 0; i < count; i++) {
      const due = started + (i * 1000) / rate;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      await insertActivities(client, [{ employee_id: (i % 20) + 1, sport_type: 'Runing', distance_m: 8000 + i, elapsed_s: 2400, comment: null }]);
    }
    await until(`${count} messages`, () => world.standIn.received.length >= count, 120000);
    const lat = world.standIn.received
      .map((m) => m.receivedAt - Number(m.metadata?.event_payload.committed_at_ms))
      .filter((x) => Number.isFinite(x))
      .sort((a, b) => a - b);
    const r = {
      bench: 'notify',
      messages: lat.length,
      insert_rate_per_s: rate,
      channel_interval_ms: intervalMs,
      commit_to_slack_ms: { p50: percentile(lat, 50), p90: percentile(lat, 90), p99: percentile(lat, 99), max: lat[lat.length - 1] ?? NaN },
      rate_limited: world.standIn.rateLimited.length,
      target_p99_ms: 3000,
    };
    console.log(`notify: ${r.messages} messages at ${rate}/s, channel allows one per ${intervalMs} ms`);
    console.log(`  commit-to-Slack p50 ${r.commit_to_slack_ms.p50} ms, p90 ${r.commit_to_slack_ms.p90} ms, p99 ${r.commit_to_slack_ms.p99} ms, max ${r.commit_to_slack_ms.max} ms (target p99 < 3000 ms)`);
    console.log(`  429 answers: ${r.rate_limited}`);
    console.log(JSON.stringify(r));
  } finally {
    await client.end();
    await n.stop();
    await world.close();
  }
}
