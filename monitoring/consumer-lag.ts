// Consumer lag per group and partition: the partition's high watermark minus the group's committed
// offset, measured from the broker every few seconds. Every consumer-group part (bronze, notify)
// starts one, so the "consumer falling behind" alert has a number for each of them.

import type { Admin } from 'kafkajs';
import { consumerLagMessages } from './metrics.js';

export class ConsumerLagProbe {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly admin: Admin,
    private readonly groupId: string,
    private readonly topics: () => string[],
    private readonly intervalMs = 5000,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.measure().catch(() => undefined), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Lag per "topic:partition" now (also set on the gauge). */
  async measure(): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    const topics = this.topics();
    if (topics.length === 0) return out;
    const committed = await this.admin.fetchOffsets({ groupId: this.groupId, topics });
    for (const t of committed) {
      const highs = new Map((await this.admin.fetchTopicOffsets(t.topic)).map((p) => [p.partition, BigInt(p.high)]));
      for (const p of t.partitions) {
        const high = highs.get(p.partition) ?? 0n;
        const at = BigInt(p.offset) < 0n ? 0n : BigInt(p.offset);
        const lag = Number(high > at ? high - at : 0n);
        out.set(`${t.topic}:${p.partition}`, lag);
        consumerLagMessages.set({ group: this.groupId, topic: t.topic, partition: String(p.partition) }, lag);
      }
    }
    return out;
  }
}
