// `lakehouse status` gathers its report here: the slot from PostgreSQL, topics and consumer lag
// from the broker, the tables from the lake's Delta logs, and the latest quality results. Each
// source is read on its own, so a server that is down costs its section, not the report.

import { Kafka, logLevel } from 'kafkajs';
import type { Config } from '../common/config.js';
import { errorMessage } from '../common/errors.js';
import { redactUrl } from '../common/log.js';
import { topicFor } from '../contracts/change-event.js';
import { splitTableName } from '../lake/layers.js';
import { changeTopics, groupLag, topicOffsets, type GroupLag, type TopicOffsets } from './broker-state.js';
import { readLake, type LakeState } from './lake-tables.js';
import { qualityState, type RuleState } from './quality-state.js';
import { idleSlots, slotState, type IdleSlot, type SlotState } from './slot-state.js';

export interface StatusReport {
  at: string;
  lakeRoot: string;
  slot: SlotState | null;
  /** Other slots on the server that nothing reads (each keeps WAL for the whole cluster). */
  idleSlots: IdleSlot[];
  topics: TopicOffsets[];
  groups: GroupLag[];
  lake: LakeState;
  quality: RuleState[];
  /** What could not be read, by source ("postgres", "broker", "lake", "quality"). */
  errors: Record<string, string>;
}

/** The notifier's record topic (not a change topic). */
export function notifyRecordTopic(config: Config): string {
  return config.notify.recordTopic || `${config.kafka.topicPrefix}.notify.sent`;
}

export function notifyTopic(config: Config): string {
  const { schema, table } = splitTableName(config.notify.activitiesTable);
  return topicFor(config.kafka.topicPrefix, schema, table);
}

async function attempt<T>(errors: Record<string, string>, source: string, fallback: T, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (e) {
    errors[source] = errorMessage(e);
    return fallback;
  }
}

export async function gatherStatus(config: Config, opts: { qualityDays: number }): Promise<StatusReport> {
  const errors: Record<string, string> = {};
  const slot = await attempt(errors, 'postgres', null, () => slotState(config.database.url, config.cdc.slot));
  if (errors.postgres) errors.postgres = `${errors.postgres} (${redactUrl(config.database.url)})`;
  const idle = errors.postgres ? [] : await attempt(errors, 'postgres', [] as IdleSlot[], () => idleSlots(config.database.url));

  const broker = await attempt(errors, 'broker', { topics: [] as TopicOffsets[], groups: [] as GroupLag[] }, async () => {
    const kafka = new Kafka({ clientId: `${config.kafka.clientId}-status`, brokers: config.kafka.brokers, logLevel: logLevel.NOTHING, retry: { retries: 1 }, connectionTimeout: 3000 });
    const admin = kafka.admin();
    await admin.connect();
    try {
      const all = await admin.listTopics();
      const topics = changeTopics(all, config.kafka.topicPrefix, [notifyRecordTopic(config)]);
      const groups = [...(await groupLag(admin, config.bronze.groupId, topics))];
      const activities = notifyTopic(config);
      if (all.includes(activities)) groups.push(...(await groupLag(admin, config.notify.groupId, [activities])));
      groups.sort((a, b) => a.group.localeCompare(b.group) || a.topic.localeCompare(b.topic) || a.partition - b.partition);
      return { topics: await topicOffsets(admin, topics), groups };
    } finally {
      await admin.disconnect();
    }
  });
  if (errors.broker) errors.broker = `${errors.broker} (${config.kafka.brokers.join(',')})`;

  const lake = await attempt(errors, 'lake', { tables: [], silverLag: {}, goldLag: {}, silverSkipped: {} } as LakeState, () => readLake(config.lake.root));
  const quality = await attempt(errors, 'quality', [] as RuleState[], () => qualityState(config.lake.root, opts.qualityDays));
  return { at: new Date().toISOString(), lakeRoot: config.lake.root, slot, idleSlots: idle.filter((s) => s.slot !== config.cdc.slot), topics: broker.topics, groups: broker.groups, lake, quality, errors };
}
