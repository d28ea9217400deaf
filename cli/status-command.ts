// `lakehouse status`: where the pipeline stands, read from PostgreSQL, the broker and the lake,
// whether its parts run or not. With --serve it stays up and exports the same measurements as
// metrics, for deployments where no `lakehouse run` process measures them.

import type { Command } from './command.js';
import { intFlag } from './command.js';
import { loadConfig } from '../common/config.js';
import { logger } from '../common/log.js';
import { startMetricsServer } from '../monitoring/metrics.js';
import { PipelineProbe } from '../monitoring/probe.js';
import { gatherStatus } from '../monitoring/status.js';
import { statusText } from '../monitoring/status-text.js';

const log = logger('status');

export const statusCommand: Command = {
  name: 'status',
  summary: 'Show slot lag, topic offsets, consumer lag, lake tables and the latest quality results',
  description:
    'Reads the replication slot from PostgreSQL (WAL held back, confirmation delay), the change topics\n' +
    "and each consumer group's lag from the broker, and every lake table's version, rows, files, size,\n" +
    'last commit and silver/gold lag from the Delta logs (no data file is read), then the quality results\n' +
    'of the last --days days. A source that cannot be reached is reported, and the rest is still shown.\n' +
    'With --serve, keeps running and serves the consumer lag and lake measurements on /metrics\n' +
    '(every metrics.probeIntervalMs) for Prometheus.',
  options: {
    json: { type: 'boolean', help: 'print the report as JSON' },
    days: { type: 'string', arg: 'N', default: '1', help: 'days of quality results to sum' },
    root: { type: 'string', arg: 'ROOT', help: 'lake root: a folder, s3://bucket/prefix or az://container/prefix (overrides lake.root / LAKE_ROOT)' },
    serve: { type: 'boolean', help: 'keep running: serve the lag and lake measurements on /metrics until Ctrl-C' },
    'metrics-port': { type: 'string', arg: 'PORT', help: 'port for /metrics with --serve (overrides metrics.port)' },
  },
  run: async (args) => {
    const config = loadConfig({ overrides: { 'lake.root': args.values.root, 'metrics.port': args.values['metrics-port'] } });
    if (args.values.serve) {
      const server = await startMetricsServer(config.metrics.host, config.metrics.port);
      const probe = new PipelineProbe(config, { groups: ['bronze', 'notify'], lake: true, slot: true, intervalMs: config.metrics.probeIntervalMs || 15000 });
      probe.start();
      log.info('measuring the pipeline', { every: `${config.metrics.probeIntervalMs || 15000} ms`, lake: config.lake.root });
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await probe.stop();
      await server.close();
      return 0;
    }
    const days = intFlag(args, 'days', 1);
    const report = await gatherStatus(config, { qualityDays: days });
    process.stdout.write((args.values.json ? JSON.stringify(report, null, 2) : statusText(report, days)) + '\n');
    // a source that could not be read makes the exit code say so, for scripts
    return Object.keys(report.errors).length ? 1 : 0;
  },
};
