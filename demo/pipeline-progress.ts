// The demo's progress: one line every few seconds with what each stage has done so far, read from
// the process's metrics (the numbers Prometheus would scrape).

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
    // rows in the quarantine tables (the probe reads them): the gate's counter also counts records
    // it judged in a batch it then held back to judge again, which never reach quarantine
    quarantined: await sumOf(metrics.deltaTableRows, (l) => String(l.table).startsWith('quarantine/')),
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
