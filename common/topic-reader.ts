// Reads whole topics from their beginning and keeps following them: the schema topic (for types),
// the dead-letter topic and the notifier's own record of posted messages. Nothing
// is committed: each start reads them again, so every instance on every machine builds the same
// view from the broker alone. `catchUp()` waits until everything the topics held when it was
// called has been read.

import type { Admin, Consumer, Kafka, KafkaMessage } from 'kafkajs';
import { randomBytes } from 'node:crypto';
import { retryTransient } from './kafka-retry.js';

export type OnMessage = (topic: string, partition: number, message: KafkaMessage) => void;

export class TopicReader {
  private consumer: Consumer | undefined;
  private readonly next = new Map<string, bigint>();
  private waiters: { targets: Map<string, bigint>; resolve: () => void }[] = [];
  private failure: Error | undefined;
  private groupId: string | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly admin: Admin,
    private readonly topics: string[],
    private readonly groupPrefix: string,
    private readonly onMessage: OnMessage,
  ) {}

  async start(): Promise<void> {
    // A group of its own that never commits: kafkajs needs a group to consume; nothing is stored.
    this.groupId = `${this.groupPrefix}-view-${randomBytes(4).toString('hex')}`;
    const consumer = this.kafka.consumer({ groupId: this.groupId, maxBytesPerPartition: 4 * 1024 * 1024, allowAutoTopicCreation: false });
    this.consumer = consumer;
    await consumer.connect();
    await retryTransient(() => consumer.subscribe({ topics: this.topics, fromBeginning: true }));
    consumer.on(consumer.events.CRASH, (e) => {
      this.failure = e.payload.error;
    });
    await consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: 4,
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) this.onMessage(batch.topic, batch.partition, m);
        const last = batch.messages[batch.messages.length - 1];
        if (last) this.next.set(`${batch.topic}:${batch.partition}`, BigInt(last.offset) + 1n);
        this.check();
      },
    });
  }

  private reached(targets: Map<string, bigint>): boolean {
    for (const [tp, high] of targets) if ((this.next.get(tp) ?? -1n) < high) return false;
    return true;
  }

  private check(): void {
    this.waiters = this.waiters.filter((w) => {
      if (!this.reached(w.targets)) return true;
      w.resolve();
      return false;
    });
  }

  /** Resolves once every message present now has been read; false when `timeoutMs` passed first. */
  async catchUp(timeoutMs = 30000): Promise<boolean> {
    if (this.failure) throw this.failure;
    const targets = new Map<string, bigint>();
    for (const topic of this.topics) {
      for (const p of await retryTransient(() => this.admin.fetchTopicOffsets(topic))) {
        if (BigInt(p.high) > BigInt(p.low)) targets.set(`${topic}:${p.partition}`, BigInt(p.high));
      }
    }
    if (this.reached(targets)) return true;
    let timer: NodeJS.Timeout | undefined;
    const done = await Promise.race([
      new Promise<boolean>((resolve) => this.waiters.push({ targets, resolve: () => resolve(true) })),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
    ]);
    clearTimeout(timer);
    return done;
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect().catch(() => undefined);
    // The group held nothing; left behind, one per start would pile up until the broker expires
    // empty groups (a process killed with -9 leaves its own to that expiry).
    if (this.groupId) await this.admin.deleteGroups([this.groupId]).catch(() => undefined);
  }
}
