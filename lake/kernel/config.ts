// Table properties (metaData.configuration) that change how this lake writes a table.

import type { Metadata } from './actions.js';

export const DEFAULT_CHECKPOINT_INTERVAL = 10;
const WEEK_MS = 7 * 86_400_000;

export interface TableConfig {
  checkpointInterval: number;
  /** How long a removed file stays for time travel and concurrent readers before vacuum may delete it. */
  deletedFileRetentionMs: number;
  appendOnly: boolean;
}

export function tableConfig(metadata: Metadata | undefined): TableConfig {
  const conf = metadata?.configuration ?? {};
  const interval = Number(conf['delta.checkpointInterval']);
  return {
    checkpointInterval: Number.isInteger(interval) && interval > 0 ? interval : DEFAULT_CHECKPOINT_INTERVAL,
    deletedFileRetentionMs: parseInterval(conf['delta.deletedFileRetentionDuration']) ?? WEEK_MS,
    appendOnly: conf['delta.appendOnly'] === 'true',
  };
}

const UNITS: Record<string, number> = {
  millisecond: 1, second: 1000, minute: 60_000, hour: 3_600_000, day: 86_400_000, week: WEEK_MS,
};

/** 'interval 7 days', 'interval 1 week', '168 hours' → ms. */
export function parseInterval(text: string | undefined): number | undefined {
  if (!text) return undefined;
  const m = /^\s*(?:interval\s+)?(\d+)\s*([a-z]+?)s?\s*$/i.exec(text);
  if (!m) return undefined;
  const unit = UNITS[m[2]!.toLowerCase()];
  return unit === undefined ? undefined : Number(m[1]) * unit;
}
