// Counts what a producer has put on the broker, from outside it: the sum of some topics'
// partitions' high watermarks (messages the broker acknowledged, less a baseline taken at the
// start), polled every 50 ms. The cdc benchmark times both its own capture and Debezium Server
// with it, so both are measured with the same yardstick.
import type { Admin, Kafka } from 'kafkajs';

export interface WatchResult {
  /** When the first new message was seen, and when all of them were. */
  first: number;
  done: number;
}

export interface WatchOptions {
  /** When the producer was started (start-up is counted from here). */
  startedAt: number;
  /** Fail when nothing arrived this long after startedAt. */
  firstWithinMs: number;
  /** Fail when the count stood still this long after the first message. */
  stallMs: number;
  /** Resolves, with why, when the producer died: the watch then fails at once. */
  died?: Promise<string>;
  /** Called when the first new message is seen. */
  onFirst?: () => void;
}

export class TopicWatch {
  private admin: Admin;
  private baseline = 0;
  private stopped = false;
  count = 0;

  constructor(kafka: Kafka, private readonly topics: string[]) {
    this.admin = kafka.admin();
  }

  private async total(): Promise<number> {
    let n = 0;
    for (const t of this.topics) {
      try {
        n += (await this.admin.fetchTopicOffsets(t)).reduce((s, p) => s + Number(p.high), 0);
      } catch {
        // not created yet
      }
    }
    return n;
  }

  /** Connects and takes the baseline; call before the producer starts. */
  async start(): Promise<void> {
    await this.admin.connect();
    this.baseline = await this.total();
  }

  /** Polls until `expected` new messages are on the broker. */
  async until(expected: number, o: WatchOptions): Promise<WatchResult> {
    let first = 0;
    let lastChange = o.startedAt;
    let last = 0;
    let death: string | undefined;
    void o.died?.then((why) => (death = why));
    const describe = () => `${this.count.toLocaleString('en')} of ${expected.toLocaleString('en')} messages on ${this.topics.join(', ')}`;
    while (!this.stopped) {
      const now = Date.now();
      this.count = (await this.total()) - this.baseline;
      if (this.count >= expected) return { first: first || Date.now(), done: Date.now() };
      if (this.count > 0 && !first) {
        first = now;
        o.onFirst?.();
      }
      if (this.count !== last) {
        last = this.count;
        lastChange = now;
      }
      if (death !== undefined) throw new Error(`${death}, with ${describe()}`);
      if (!first && now - o.startedAt > o.firstWithinMs) throw new Error(`no message arrived within ${o.firstWithinMs / 1000} s of the start (${describe()})`);
      if (first && now - lastChange > o.stallMs) throw new Error(`no progress for ${o.stallMs / 1000} s (${describe()})`);
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`watch stopped (${describe()})`);
  }

  async close(): Promise<void> {
    this.stopped = true;
    await this.admin.disconnect().catch(() => undefined);
  }
}
