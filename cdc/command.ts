import type { Command } from '../cli/command.js';
import { loadConfig } from '../common/config.js';
import { logger } from '../common/log.js';
import { startMetricsServer } from '../monitoring/metrics.js';
import { Capture } from './capture.js';

const log = logger('cdc');

export const cdcCommand: Command = {
  name: 'cdc',
  summary: 'Capture PostgreSQL changes into Debezium-compatible events on the broker',
  description:
    'Creates the publication and the replication slot when missing, snapshots the existing rows\n' +
    '(cdc.snapshotMode), then streams inserts, updates, deletes and truncates to topics\n' +
    '<prefix>.<schema>.<table>. Stop it with Ctrl-C; it resumes where it stopped.\n' +
    'Configuration: DATABASE_URL, KAFKA_BROKERS, TOPIC_PREFIX and the cdc.* options (lakehouse config docs).',
  options: {
    'snapshot-mode': { type: 'string', arg: 'MODE', help: 'initial | never | when_needed (overrides cdc.snapshotMode)' },
    'metrics-port': { type: 'string', arg: 'PORT', help: 'port for /metrics and /health (overrides metrics.port; 0 = any free port)' },
  },
  run: async (args) => {
    const config = loadConfig({
      overrides: { 'cdc.snapshotMode': args.values['snapshot-mode'], 'metrics.port': args.values['metrics-port'] },
    });
    const server = await startMetricsServer(config.metrics.host, config.metrics.port);
    const capture = new Capture(config);
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info(`${signal}: flushing and stopping`);
      void capture.stop();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
    try {
      await capture.run();
    } finally {
      await capture.stop();
      await server.close();
    }
  },
};
