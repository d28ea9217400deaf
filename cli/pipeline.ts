// The pipeline's long-running parts started in one process: what `lakehouse run` and
// `lakehouse demo` run, and what tests start when they need the whole pipeline. The parts are the
// same objects the separate commands run and share nothing but the broker and the lake. If one
// part fails, the others are stopped and `done` rejects with that part's error.

import type { Config } from '../common/config.js';
import { UserError } from '../common/errors.js';
import { logger } from '../common/log.js';
import { Capture } from '../cdc/capture.js';
import { bronzeOptions } from '../lake/bronze/command.js';
import { BronzeWriter } from '../lake/bronze/writer.js';
import { silverGate, silverOptions } from '../lake/silver/command.js';
import { SilverWriter } from '../lake/silver/writer.js';
import { goldEngineOptions } from '../lake/gold/command.js';
import { GoldEngine } from '../lake/gold/engine.js';
import { GoldFollower } from '../lake/gold/follower.js';
import { errorsTotal, registerHealth } from '../monitoring/metrics.js';
import { PipelineProbe } from '../monitoring/probe.js';
import { sinkFor } from '../notifier/command.js';
import { loadTemplates, MessageFormatter } from '../notifier/format.js';
import { Notifier, notifierOptions } from '../notifier/notifier.js';
import type { Sink } from '../notifier/slack.js';

const log = logger('run');

export const PARTS = ['cdc', 'bronze', 'silver', 'gold', 'notify'] as const;
export type Part = (typeof PARTS)[number];

export interface PipelineHooks {
  /** Wraps the notifier's sink (the demo keeps the messages it posts). */
  sink?: (sink: Sink) => Sink;
  /** A part is working: the capture streams, bronze follows the topics, the notifier has its partitions. */
  onReady?: (part: Part) => void;
}

export interface Pipeline {
  parts: Part[];
  /** Resolves when every part stopped; rejects with the first part's failure. */
  done: Promise<void>;
  stop(): Promise<void>;
  /** Stops one part and leaves the others running. */
  stopPart(part: Part): Promise<void>;
}

interface Running {
  name: Part;
  done: Promise<void>;
  stop(): Promise<void>;
}

export function parseParts(list: string | undefined): Set<Part> {
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

export async function startPipeline(config: Config, parts: Set<Part>, hooks: PipelineHooks = {}): Promise<Pipeline> {
  // rule files are checked before anything starts, so a bad one leaves no part running
  const gate = parts.has('silver') ? await silverGate(config) : undefined;
  const running: Running[] = [];
  let failed: Error | undefined;
  // Measured outside the consumers, so their lag keeps growing on /metrics when one of them stops.
  const probe = new PipelineProbe(config, {
    groups: (['bronze', 'notify'] as const).filter((p) => parts.has(p)),
    lake: parts.has('bronze') || parts.has('silver') || parts.has('gold'),
    slot: parts.has('cdc'),
    intervalMs: config.metrics.probeIntervalMs,
  });
  const stopAll = async () => {
    await Promise.all(running.map((r) => r.stop().catch(() => undefined)));
  };
  const start = (name: Part, run: () => Promise<void>, stop: () => Promise<void>) => {
    // a series at 0 from the start, so that increase() sees the first error of the stage
    errorsTotal.inc({ stage: name }, 0);
    const done = run().then(
      () => undefined,
      (e: Error) => {
        failed ??= e;
        errorsTotal.inc({ stage: name });
        log.error(`${name} stopped: ${e.message}`);
        void stopAll();
      },
    );
    running.push({ name, done, stop });
  };

  if (parts.has('cdc')) {
    const capture = new Capture(config, { onStreaming: () => hooks.onReady?.('cdc') });
    start('cdc', () => capture.run(), () => capture.stop());
  }
  if (parts.has('bronze')) {
    const bronze = new BronzeWriter(bronzeOptions(config), { onReady: () => hooks.onReady?.('bronze') });
    start('bronze', () => bronze.run(), () => bronze.stop());
  }
  if (parts.has('silver')) {
    const silver = new SilverWriter(silverOptions(config), gate);
    start('silver', () => silver.run(), () => silver.stop());
    hooks.onReady?.('silver');
  }
  if (parts.has('gold')) {
    const follower = new GoldFollower(new GoldEngine(goldEngineOptions(config)), { pollIntervalMs: config.gold.pollIntervalMs, sourceSchema: config.gold.sourceSchema, full: false });
    start('gold', () => follower.run(), () => follower.stop());
    hooks.onReady?.('gold');
  }
  if (parts.has('notify')) {
    const sink = hooks.sink ? hooks.sink(sinkFor(config)) : sinkFor(config);
    // the notifier reports its health through its command; here the pipeline does it for it
    let ready = false;
    let stopped = false;
    registerHealth({ name: 'notify', healthy: () => ready && !stopped });
    const notifier = new Notifier(notifierOptions(config), sink, new MessageFormatter(loadTemplates(config.notify.templates)), {
      onReady: () => {
        ready = true;
        hooks.onReady?.('notify');
      },
    });
    start('notify', () => notifier.run().finally(() => (stopped = true)), () => notifier.stop());
  }
  probe.start();

  const done = Promise.all(running.map((r) => r.done)).then(async () => {
    await probe.stop();
    if (failed) throw failed;
  });
  done.catch(() => undefined); // the caller sees the failure when it awaits done; no unhandled rejection before that
  return {
    parts: running.map((r) => r.name),
    done,
    stop: async () => {
      await stopAll();
      await done.catch(() => undefined);
    },
    stopPart: async (part) => {
      const r = running.find((x) => x.name === part);
      if (!r) return;
      await r.stop();
      await r.done;
    },
  };
}
