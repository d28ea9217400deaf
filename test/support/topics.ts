// Reads topics back in tests: every message from the start up to the high watermark at the
// time of the call, per partition in offset order.
import { Kafka, logLevel } from 'kafkajs';
import { randomBytes } from 'node:crypto';

export interface ReadMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

export function testKafka(brokers: string): Kafka {
  return new Kafka({ clientId: 'lakehouse-test', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
}

export async function readTopics(brokers: string, topics: string[], timeoutMs = 60000): Promise<ReadMessage[]> {
  const kafka = testKafka(brokers);
  const admin = kafka.admin();
  await admin.connect();
  const existing = new Set(await admin.listTopics());
  const targets = new Map<string, bigint>();
  for (const t of topics.filter((t) => existing.has(t))) {
    for (const p of await admin.fetchTopicOffsets(t)) if (BigInt(p.high) > 0n) targets.set(`${t}:${p.partition}`, BigInt(p.high));
  }
  await admin.disconnect();
  const out: ReadMessage[] = [];
  if (targets.size === 0) return out;
  const groupId = `test-reader-${randomBytes(4).toString('hex')}`;
  const consumer = kafka.consumer({ groupId, maxBytesPerPartition: 10 * 1024 * 1024 });
  await consumer.connect();
  await consumer.subscribe({ topics: [...new Set([...targets.keys()].map((k) => k.slice(0, k.lastIndexOf(':'))))], fromBeginning: true });
  const remaining = new Set(targets.keys());
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out reading ${[...remaining].join(',')}`)), timeoutMs);
    void consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const tp = `${batch.topic}:${batch.partition}`;
        const high = targets.get(tp);
        for (const m of batch.messages) {
          if (high === undefined || BigInt(m.offset) >= high) continue;
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(m.headers ?? {})) headers[k] = String(v);
          out.push({ topic: batch.topic, partition: batch.partition, offset: m.offset, key: m.key?.toString() ?? null, value: m.value?.toString() ?? null, headers });
          if (BigInt(m.offset) === high - 1n) remaining.delete(tp);
        }
        if (remaining.size === 0) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  await consumer.disconnect();
  // A reader's group is of no use afterwards; left, they pile up in the broker.
  const cleanup = kafka.admin();
  await cleanup.connect();
  await cleanup.deleteGroups([groupId]).catch(() => undefined);
  await cleanup.disconnect();
  return out;
}
