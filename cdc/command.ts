import type { Command } from '../cli/command.js';
import { loadConfig } from '../common/config.js';
import { logger } from '../common/log.js';
import { runService } from '../cli/service.js';
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
    const service = () => {
      const capture = new Capture(config);
      return {
        // a capture that failed still flushes what the broker has not taken and closes its slot
        run: () => capture.run().finally(() => capture.stop()),
        stop: () => capture.stop(),
      };
    };
    await runService(config, log, service, 'flushing and stopping');
  },
};
