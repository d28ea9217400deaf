// `lakehouse run`: every long-running part in one process, for a single machine. The parts are
// the same objects the separate commands run, sharing nothing but the broker and the lake, so a
// deployment can split them later without changing a setting. One /metrics and /health serves
// them all. If one part fails, the others stop cleanly and the error is reported.

import type { Command } from './command.js';
import { loadConfig } from '../common/config.js';
import { logger } from '../common/log.js';
import { startMetricsServer } from '../monitoring/metrics.js';
import { parseParts, PARTS, startPipeline } from './pipeline.js';

const log = logger('run');

export { PARTS };

export const runCommand: Command = {
  name: 'run',
  summary: 'Run the whole pipeline in one process: capture, bronze, silver, gold and Slack',
  description:
    'Starts the change capture, the bronze and silver writers (with the quality gate), gold and the\n' +
    'Slack notifier together, for a single machine. Each part is the same as its own command\n' +
    '(lakehouse cdc, bronze, silver, gold, notify), which run as separate processes when the pipeline\n' +
    'grows past one machine. Stop with Ctrl-C: every part finishes what it holds and stops; the next\n' +
    'start resumes where each one stopped. Configuration: lakehouse config docs.',
  options: {
    parts: { type: 'string', arg: 'LIST', help: `comma-separated parts to run (default: ${PARTS.join(',')})` },
    root: { type: 'string', arg: 'ROOT', help: 'lake root: a folder, s3://bucket/prefix or az://container/prefix (overrides lake.root / LAKE_ROOT)' },
    'metrics-port': { type: 'string', arg: 'PORT', help: 'port for /metrics and /health (overrides metrics.port; 0 = any free port)' },
  },
  run: async (args) => {
    const config = loadConfig({ overrides: { 'lake.root': args.values.root, 'metrics.port': args.values['metrics-port'] } });
    const parts = parseParts(args.values.parts as string | undefined);
    const server = await startMetricsServer(config.metrics.host, config.metrics.port);
    const pipeline = await startPipeline(config, parts);
    log.info(`running ${pipeline.parts.join(', ')}`, { lake: config.lake.root, metrics: `http://${config.metrics.host}:${server.port}/metrics` });

    let stopping = false;
    const onSignal = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info(`${signal}: stopping every part`);
      void pipeline.stop();
    };
    process.once('SIGINT', () => onSignal('SIGINT'));
    process.once('SIGTERM', () => onSignal('SIGTERM'));
    try {
      await pipeline.done;
    } finally {
      await server.close();
    }
  },
};
