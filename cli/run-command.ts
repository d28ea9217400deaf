// `lakehouse run`: every long-running part in one process, for a single machine. The parts are
// the same objects the separate commands run, sharing nothing but the broker and the lake, so a
// deployment can split them later without changing a setting. One /metrics and /health serves
// them all. If one part fails, the others stop cleanly and the error is reported.

import type { Command } from './command.js';
import { loadConfig } from '../common/config.js';
import { UserError } from '../common/errors.js';
import { logger } from '../common/log.js';
import { startMetricsServer } from '../monitoring/metrics.js';
import { Capture } from '../cdc/capture.js';
import { bronzeOptions } from '../lake/bronze/command.js';
import { BronzeWriter } from '../lake/bronze/writer.js';
import { silverGate, silverOptions } from '../lake/silver/command.js';
import { SilverWriter } from '../lake/silver/writer.js';
import { goldEngineOptions } from '../lake/gold/command.js';
import { GoldEngine } from '../lake/gold/engine.js';
import { GoldFollower } from '../lake/gold/follower.js';
import { sinkFor } from '../notifier/command.js';
import { loadTemplates, MessageFormatter } from '../notifier/format.js';
import { Notifier, notifierOptions } from '../notifier/notifier.js';

const log = logger('run');

export const PARTS = ['cdc', 'bronze', 'silver', 'gold', 'notify'] as const;
type Part = (typeof PARTS)[number];

interface Running {
  name: Part;
  done: Promise<void>;
  stop(): Promise<void>;
}

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
    root: { type: 'string', arg: 'DIR', help: 'lake root (overrides lake.root / LAKE_ROOT)' },
    'metrics-port': { type: 'string', arg: 'PORT', help: 'port for /metrics and /health (overrides metrics.port; 0 = any free port)' },
  },
  run: async (args) => {
    const config = loadConfig({ overrides: { 'lake.root': args.values.root, 'metrics.port': args.values['metrics-port'] } });
    const parts = parseParts(args.values.parts as string | undefined);
    const server = await startMetricsServer(config.metrics.host, config.metrics.port);
    const running: Running[] = [];
    let failed: Error | undefined;
    const stopAll = async () => {
      await Promise.all(running.map((r) => r.stop().catch(() => undefined)));
    };
    const start = (name: Part, run: () => Promise<void>, stop: () => Promise<void>) => {
      const done = run().then(
        () => undefined,
        (e: Error) => {
          failed ??= e;
          log.error(`${name} stopped: ${e.message}`);
          void stopAll();
        },
      );
      running.push({ name, done, stop });
    };

    if (parts.has('cdc')) {
      const capture = new Capture(config);
      start('cdc', () => capture.run(), () => capture.stop());
    }
    if (parts.has('bronze')) {
      const bronze = new BronzeWriter(bronzeOptions(config));
      start('bronze', () => bronze.run(), () => bronze.stop());
    }
    if (parts.has('silver')) {
      const silver = new SilverWriter(silverOptions(config), await silverGate(config));
      start('silver', () => silver.run(), () => silver.stop());
    }
    if (parts.has('gold')) {
      const follower = new GoldFollower(new GoldEngine(goldEngineOptions(config)), { pollIntervalMs: config.gold.pollIntervalMs, sourceSchema: config.gold.sourceSchema, full: false });
      start('gold', () => follower.run(), () => follower.stop());
    }
    if (parts.has('notify')) {
      const notifier = new Notifier(notifierOptions(config), sinkFor(config), new MessageFormatter(loadTemplates(config.notify.templates)));
      start('notify', () => notifier.run(), () => notifier.stop());
    }
    log.info(`running ${[...parts].join(', ')}`, { lake: config.lake.root, metrics: `http://${config.metrics.host}:${server.port}/metrics` });

    let stopping = false;
    const onSignal = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info(`${signal}: stopping every part`);
      void stopAll();
    };
    process.once('SIGINT', () => onSignal('SIGINT'));
    process.once('SIGTERM', () => onSignal('SIGTERM'));
    try {
      await Promise.all(running.map((r) => r.done));
    } finally {
      await server.close();
    }
    if (failed) throw failed;
  },
};

function parseParts(list: string | undefined): Set<Part> {
  if (!list) return new Set(PARTS);
  const out = new Set<Part>();
  for (const p of list.split(',').map((s) => s.trim()).filter(Boolean)) {
    if (!(PARTS as readonly string[]).includes(p)) {
      throw new UserError(`unknown part "${p}" in --parts`, { fix: `use some of ${PARTS.join(', ')}` });
    }
    out.add(p as Part);
  }
  return out;
}
