// What the broker holds for the pipeline: the change topics of a prefix with their offsets, and
// each consumer group's lag on them. Measured with the admin API only (no message is read), the
// same way whether the consumers run or not, which is what makes a stopped consumer visible.

import type { Admin } from 'kafkajs';
import { deadLetterTopic, schemaTopic, transactionTopic } from '../contracts/change-event.js';
import { ConsumerLagProbe } from './consumer-lag.js';

export interface TopicOffsets {
  topic: string;
  partitions: number;
  /** Sum over the partitions of the high watermark: messages ever written (tombstones too). */
  messages: number;
}

export interface GroupLag {
  group: string;
  topic: string;
  partition: number;
  lag: number;
}

/**
 * Change topics of `prefix`: "<prefix>.<schema>.<table>". The prefix's other topics (schemas,
 * transaction, dead letters, and whatever `others` names, e.g. the notifier's record topic) are left out.
 */
export function changeTopics(all: string[], prefix: string, others: string[] = []): string[] {
  const skip = new Set([schemaTopic(prefix), transactionTopic(prefix), deadLetterTopic(prefix), ...others]);
  return all.filter((t) => t.startsWith(`${prefix}.`) && !skip.has(t) && t.slice(prefix.length + 1).includes('.')).sort();
}

export async function topicOffsets(admin: Admin, topics: string[]): Promise<TopicOffsets[]> {
  const out: TopicOffsets[] = [];
  for (const topic of topics) {
    const parts = await admin.fetchTopicOffsets(topic);
    out.push({ topic, partitions: parts.length, messages: parts.reduce((n, p) => n + Number(p.high), 0) });
  }
  return out;
}

/** Lag per partition of `group` on `topics` (also set on lakehouse_consumer_lag_messages). */
export async function groupLag(admin: Admin, group: string, topics: string[]): Promise<GroupLag[]> {
  const measured = await new ConsumerLagProbe(admin, group, () => topics).measure();
  return [...measured].map(([tp, lag]) => {
    const i = tp.lastIndexOf(':');
    return { group, topic: tp.slice(0, i), partition: Number(tp.slice(i + 1)), lag };
  });
}
