// The demo's progress: one line every few seconds with what each stage has done so far in this run,
// read from the process's metrics (the numbers Prometheus would scrape). Every figure counts this
// run only; the summary at the end gives the lake's totals.

import { logger } from '../common/log.js';
import * as metrics from '../monitoring/metrics.js';
import { sumOf } from '../monitoring/read-metrics.js';

const log = logger('demo');

export interface StageCounts {
  captured: number;
  bronze: number;
  silver: number;
  quarantined: number;
  gold: number;
  slack: number;
}

export async function stageCounts(): Promise<StageCounts> {
  return {
    // the snapshot's rows are change events too (op r), counted apart by the capture
    captured: (await sumOf(metrics.cdcChangesTotal)) + (await sumOf(metrics.cdcSnapshotRowsTotal)),
    bronze: await sumOf(metrics.bronzeRowsTotal),
    silver: await sumOf(metrics.silverRowsTotal, (l) => l.action !== 'ignored'),
    // counted when silver writes the batch's verdicts, not when it judges a batch it then holds back
    // (quality/gate.ts countOutcome); the quarantine tables' row counts would be the lake's totals,
    // which on a second run mixed the earlier runs' rows into this run's figures
    quarantined: await sumOf(metrics.qualityQuarantinedTotal),
    gold: await sumOf(metrics.goldSilverChangesTotal),
    slack: await sumOf(metrics.notifySentTotal),
  };
}

export function progressLine(c: StageCounts): string {
  const n = (x: number) => x.toLocaleString('en');
  return `captured ${n(c.captured)} · bronze ${n(c.bronze)} · silver ${n(c.silver)} (quarantined ${n(c.quarantined)}) · gold ${n(c.gold)} · slack ${n(c.slack)}`;
}

/** Logs the progress line every `intervalMs` until stopped; `note` adds what the demo is waiting for. */
export function reportProgress(intervalMs: number, note: () => string = () => ''): { stop(): void } {
  let last = '';
  const timer = setInterval(() => {
    void stageCounts().then((c) => {
      const line = progressLine(c) + (note() ? ` · ${note()}` : '');
      if (line !== last) log.info(line);
      last = line;
    });
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
