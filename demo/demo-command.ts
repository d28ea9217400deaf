import type { Command } from '../cli/command.js';
import { intFlag } from '../cli/command.js';
import { loadConfig } from '../common/config.js';
import { UserError } from '../common/errors.js';
import { runDemo } from './demo.js';

export const demoCommand: Command = {
  name: 'demo',
  summary: 'The whole product in one command: stack, demo data, pipeline, catch-up, export, summary',
  description:
    'Starts the local stack (lakehouse stack up), creates and fills the demo tables (lakehouse generate),\n' +
    'runs every part of the pipeline in this process (lakehouse run) with progress on the terminal,\n' +
    'inserts live rows for --duration seconds, waits until bronze, silver, gold and Slack have caught up,\n' +
    'exports gold to DIR/export (lakehouse export), writes the last metrics scrape to DIR/metrics.prom and\n' +
    'ends with a summary (also DIR/summary.json). Without SLACK_BOT_TOKEN the Slack messages go to the log.\n' +
    'Run again, it goes on from where the last run stopped. The usual variables choose the servers and\n' +
    'names (DATABASE_URL, KAFKA_BROKERS, TOPIC_PREFIX, LAKE_ROOT, ...: lakehouse config docs).',
  options: {
    duration: { type: 'string', arg: 'SECONDS', default: '20', help: 'how long to insert live rows' },
    rate: { type: 'string', arg: 'ROWS_PER_S', default: '5', help: 'live rows per second' },
    'bad-rate': { type: 'string', arg: 'R', default: '0.05', help: 'share of live rows (0 to 1) sent bad, for the quality gate to quarantine' },
    seed: { type: 'string', arg: 'N', default: '2025', help: 'random seed of the demo data' },
    out: { type: 'string', arg: 'DIR', default: './demo-output', help: 'folder for the export, metrics.prom and summary.json' },
    timeout: { type: 'string', arg: 'SECONDS', default: '180', help: 'longest wait for the pipeline to catch up' },
    'no-stack': { type: 'boolean', help: 'do not start the local stack (DATABASE_URL and KAFKA_BROKERS point at running servers)' },
    'keep-running': { type: 'boolean', help: 'after the summary, keep the pipeline (and /metrics) running until Ctrl-C' },
    root: { type: 'string', arg: 'ROOT', help: 'lake root: a folder, s3://bucket/prefix or az://container/prefix (overrides lake.root / LAKE_ROOT)' },
    'metrics-port': { type: 'string', arg: 'PORT', help: 'port for /metrics and /health (overrides metrics.port; 0 = any free port)' },
  },
  run: async (args) => {
    const config = loadConfig({ overrides: { 'lake.root': args.values.root, 'metrics.port': args.values['metrics-port'] } });
    const badRate = Number(args.values['bad-rate'] ?? 0.05);
    if (!(badRate >= 0 && badRate <= 1)) throw new UserError(`--bad-rate must be a number from 0 to 1, got "${String(args.values['bad-rate'])}"`);
    const rate = intFlag(args, 'rate', 5);
    const durationS = intFlag(args, 'duration', 20);
    if (rate === 0 && durationS > 0) throw new UserError('--rate must be at least 1 when --duration is not 0');
    const interrupt = { stopped: false };
    const onSignal = () => (interrupt.stopped = true);
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    const { summary, text } = await runDemo(config, {
      rate,
      durationS,
      badRate,
      seed: intFlag(args, 'seed', 2025),
      out: String(args.values.out ?? './demo-output'),
      stack: args.values['no-stack'] !== true,
      timeoutS: intFlag(args, 'timeout', 180),
      keepRunning: args.values['keep-running'] === true,
    }, interrupt);
    if (text) process.stdout.write(text + '\n');
    return summary.caughtUp ? 0 : 1;
  },
};
