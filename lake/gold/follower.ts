// `lakehouse gold` as a long-running stage: refresh as soon as silver commits (a file check per
// silver table every gold.pollIntervalMs), record each refresh in the metrics, and after an
// error start over from what the gold tables record (the state in memory may be half applied).

import { errorMessage } from '../../common/errors.js';
import { logger } from '../../common/log.js';
import * as metrics from '../../monitoring/metrics.js';
import type { GoldEngine, RefreshReport } from './engine.js';
import { goldPath } from './model.js';
import { silverPath, SILVER_TABLES } from './silver-inputs.js';

const log = logger('gold');

export interface FollowOptions {
  pollIntervalMs: number;
  sourceSchema: string;
  /** Recompute everything first (--full). */
  full?: boolean;
  onRefresh?: (report: RefreshReport) => void;
}

export class GoldFollower {
  private stopping = false;
  private wake: (() => void) | undefined;
  private lastOk = Date.now();
  private lastError: string | undefined;
  private needsStart = true;

  constructor(
    private readonly engine: GoldEngine,
    private readonly opts: FollowOptions,
  ) {
    metrics.registerHealth({
      name: 'gold',
      healthy: () => !this.stopping && Date.now() - this.lastOk < Math.max(120_000, opts.pollIntervalMs * 20),
      detail: () => ({ silverVersions: this.engine.covered(), lastError: this.lastError ?? null }),
    });
  }

  async run(): Promise<void> {
    let full = this.opts.full === true;
    let failures = 0;
    while (!this.stopping) {
      let busy = false;
      try {
        if (this.needsStart) {
          const r = await this.engine.start({ full });
          full = false;
          this.needsStart = false;
          if (r) this.record(r);
        }
        const r = await this.engine.refresh();
        if (r) this.record(r);
        busy = r !== undefined;
        this.lastOk = Date.now();
        this.lastError = undefined;
        failures = 0;
      } catch (e) {
        failures++;
        this.needsStart = true;
        this.lastError = errorMessage(e);
        metrics.errorsTotal.inc({ stage: 'gold' });
        log.error('gold refresh failed; starting again from what the gold tables record', { error: e as Error, failures });
      }
      // right away when a refresh just ran (more may be waiting), else at the poll interval; back off on errors
      const wait = failures ? Math.min(30_000, this.opts.pollIntervalMs * 2 ** failures) : busy ? 0 : this.opts.pollIntervalMs;
      if (!this.stopping && wait > 0) await this.sleep(wait);
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }

  private record(r: RefreshReport): void {
    recordRefresh(this.engine, r, this.opts.sourceSchema);
    this.opts.onRefresh?.(r);
    const changes = Object.entries(r.changes).map(([t, n]) => `${t}=${n}`).join(' ');
    if (r.mode === 'full') log.info('gold recomputed in full', { reason: r.reason, ms: r.ms });
    else log.debug('gold refreshed', { changes, commits: r.commits, ms: r.ms, phases: r.phases });
  }
}

/** The metrics of one refresh. */
export function recordRefresh(engine: GoldEngine, r: RefreshReport, sourceSchema: string): void {
  metrics.goldRefreshSeconds.observe({ mode: r.mode }, r.ms / 1000);
  if (r.mode === 'full') metrics.goldRecomputesTotal.inc();
  for (const [t, n] of Object.entries(r.changes)) metrics.goldSilverChangesTotal.inc({ table: t }, n);
  for (const ts of r.sourceTimes) metrics.goldChangeToGoldSeconds.observe(Math.max(0, r.committedAt - ts.getTime()) / 1000);
  const counts = engine.rowCounts();
  for (const model of Object.keys(r.rows)) {
    metrics.goldRows.set({ model }, counts[model] ?? 0);
    metrics.goldLastRefreshSeconds.set({ model }, r.committedAt / 1000);
    const table = engine.goldTable(model);
    if (table) metrics.deltaTableVersion.set({ table: goldPath(model) }, table.version);
  }
  for (const t of SILVER_TABLES) if (r.versions[t] >= 0) metrics.goldSilverVersion.set({ table: silverPath(sourceSchema, t) }, r.versions[t]);
}
