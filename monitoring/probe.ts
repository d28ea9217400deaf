// Measures the pipeline from outside its parts, every few seconds: each consumer group's lag from
// the broker, every lake table's rows, files, bytes and last commit and the silver and gold lag
// from the Delta logs, and the replication slot from PostgreSQL. A writer reports its own progress only while it runs; these gauges keep
// moving when it stops, which is what the "falling behind" alerts need.

import { Kafka, logLevel, type Admin } from 'kafkajs';
import type { Config } from '../common/config.js';
import { logger } from '../common/log.js';
import { changeTopics, groupLag } from './broker-state.js';
import { readLake } from './lake-tables.js';
import * as metrics from './metrics.js';
import { slotState } from './slot-state.js';
import { notifyRecordTopic, notifyTopic } from './status.js';

const log = logger('monitoring');

export interface ProbeOptions {
  /** Consumer groups to measure: the bronze writers' on the change topics, the notifier's on activities. */
  groups: Array<'bronze' | 'notify'>;
  /** Read the lake's Delta logs. */
  lake: boolean;
  /**
   * Read the capture's replication slot from PostgreSQL: whether a capture holds it and the WAL it
   * keeps. The capture reports its lag itself, but only while it runs; a slot nobody reads any
   * more keeps WAL until the disk is full, which is exactly when the capture cannot say so.
   */
  slot?: boolean;
  intervalMs: number;
}

export class PipelineProbe {
  private readonly kafka: Kafka;
  private admin: Admin | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private warned = new Set<string>();

  constructor(
    private readonly config: Config,
    private readonly opts: ProbeOptions,
  ) {
    this.kafka = new Kafka({ clientId: `${config.kafka.clientId}-probe`, brokers: config.kafka.brokers, logLevel: logLevel.NOTHING });
  }

  start(): void {
    if (this.opts.intervalMs <= 0) return;
    let busy = false;
    // a slow measurement (a big lake, a broker timing out) is not stacked under the next one
    const tick = () => {
      if (busy) return;
      busy = true;
      this.running = this.measure().finally(() => (busy = false));
    };
    tick();
    this.timer = setInterval(tick, this.opts.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
    await this.admin?.disconnect().catch(() => undefined);
  }

  /** One measurement of everything; a source that fails is counted and logged once, not thrown. */
  async measure(): Promise<void> {
    if (this.opts.groups.length) await this.guard('broker', () => this.measureGroups());
    if (this.opts.lake) await this.guard('lake', () => this.measureLake());
    if (this.opts.slot) await this.guard('postgres', () => this.measureSlot());
  }

  private async guard(source: string, fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
      this.warned.delete(source);
    } catch (e) {
      metrics.probeErrorsTotal.inc({ source });
      if (!this.warned.has(source)) log.warn(`cannot measure the ${source}; trying again`, { error: (e as Error).message });
      this.warned.add(source);
    }
  }

  private async measureGroups(): Promise<void> {
    if (!this.admin) {
      const admin = this.kafka.admin();
      await admin.connect();
      this.admin = admin;
    }
    const all = await this.admin.listTopics();
    const c = this.config;
    for (const part of this.opts.groups) {
      if (part === 'bronze') await groupLag(this.admin, c.bronze.groupId, changeTopics(all, c.kafka.topicPrefix, [notifyRecordTopic(c)]));
      else if (all.includes(notifyTopic(c))) await groupLag(this.admin, c.notify.groupId, [notifyTopic(c)]);
    }
  }

  private async measureSlot(): Promise<void> {
    const s = await slotState(this.config.database.url, this.config.cdc.slot);
    if (!s.exists) return;
    metrics.cdcSlotActive.set({ slot: s.slot }, s.active ? 1 : 0);
    if (s.lagBytes !== null) metrics.cdcSlotLagBytes.set({ slot: s.slot }, s.lagBytes);
  }

  private async measureLake(): Promise<void> {
    const lake = await readLake(this.config.lake.root);
    for (const t of lake.tables) {
      metrics.deltaTableRows.set({ table: t.path }, t.rows);
      metrics.deltaTableFiles.set({ table: t.path }, t.files);
      metrics.deltaTableBytes.set({ table: t.path }, t.bytes);
      if (t.lastCommit) metrics.deltaTableLastCommitSeconds.set({ table: t.path }, t.lastCommit.getTime() / 1000);
    }
    for (const [table, n] of Object.entries(lake.silverLag)) metrics.lakeSilverLagVersions.set({ table }, n);
    for (const [table, n] of Object.entries(lake.goldLag)) metrics.lakeGoldLagVersions.set({ table }, n);
  }
}
