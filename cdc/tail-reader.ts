// After a restart, the last stream position each partition already holds: read from the
// partition's last message's POSITION_HEADER. With it the broker writer drops the events the
// slot delivers again (those sent before the crash but not yet confirmed to PostgreSQL), so the
// topics hold each change once. kafkajs has no group-less reader, so a throw-away consumer group
// seeks each partition to its last offset.

import { randomBytes } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { POSITION_HEADER } from '../contracts/change-event.js';
import { logger } from '../common/log.js';

const log = logger('cdc');

export async function readTailPositions(kafka: Kafka, topics: string[], timeoutMs = 30000): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (topics.length === 0) return out;
  const admin = kafka.admin();
  await admin.connect();
  const wanted = new Map<string, bigint>(); // topic:partition -> last offset
  try {
    const existing = new Set(await admin.listTopics());
    for (const topic of topics) {
      if (!existing.has(topic)) continue;
      for (const p of await admin.fetchTopicOffsets(topic)) {
        const high = BigInt(p.high);
        if (high > BigInt(p.low)) wanted.set(`${topic}:${p.partition}`, high - 1n);
      }
    }
  } finally {
    await admin.disconnect();
  }
  if (wanted.size === 0) return out;

  const groupId = `lakehouse-cdc-tail-${randomBytes(4).toString('hex')}`;
  const consumer = kafka.consumer({ groupId, sessionTimeout: 10000, rebalanceTimeout: 10000, allowAutoTopicCreation: false });
  await consumer.connect();
  const topicsWithData = [...new Set([...wanted.keys()].map((k) => k.slice(0, k.lastIndexOf(':'))))];
  await consumer.subscribe({ topics: topicsWithData, fromBeginning: false });
  let finish: () => void = () => undefined;
  const done = new Promise<void>((r) => (finish = r));
  const remaining = new Set(wanted.keys());
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      const tp = `${batch.topic}:${batch.partition}`;
      const last = wanted.get(tp);
      if (last === undefined) return;
      for (const m of batch.messages) {
        if (BigInt(m.offset) !== last) continue;
        const h = m.headers?.[POSITION_HEADER];
        if (h !== undefined) out.set(tp, Buffer.isBuffer(h) ? h.toString() : String(h));
        remaining.delete(tp);
      }
      if (remaining.size === 0) finish();
    },
  });
  for (const [tp, offset] of wanted) {
    const i = tp.lastIndexOf(':');
    consumer.seek({ topic: tp.slice(0, i), partition: Number(tp.slice(i + 1)), offset: String(offset) });
  }
  const timer = setTimeout(finish, timeoutMs);
  await done;
  clearTimeout(timer);
  await consumer.disconnect();
  if (remaining.size > 0) log.warn('could not read the tail of some partitions; events sent before a crash may be sent twice', { partitions: [...remaining] });
  const admin2 = kafka.admin();
  await admin2.connect();
  await admin2.deleteGroups([groupId]).catch(() => undefined);
  await admin2.disconnect();
  return out;
}
