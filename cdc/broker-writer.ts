// Sends change events to the broker in order and tells the capture how far the broker holds
// them. One produce batch is in flight at a time: with acks=all and an idempotent producer that
// keeps every key's events in order through retries, and a batch of thousands of events per
// round trip keeps the rate high.
//
// Duplicates after a crash are stopped here too. Every message carries its stream position
// (POSITION_HEADER); positions grow along the stream, and a partition is only ever appended in
// stream order, so a message whose position is not above the last one its partition holds was
// already written. The last positions come from the partitions' tails at start (tail-reader.ts)
// and from each acknowledged batch afterwards.

import { Kafka, logLevel, type Producer, type Admin, type IHeaders } from 'kafkajs';
import { POSITION_HEADER } from '../contracts/change-event.js';
import { UserError } from '../common/errors.js';
import { logger } from '../common/log.js';
import type { Lsn } from './lsn.js';
import { partitionFor } from '../common/kafka-partition.js';

const log = logger('cdc');

export interface OutMessage {
  topic: string;
  key: string | null;
  value: string | null;
  position: string;
  headers?: Record<string, string>;
  /** Set when the message must not be deduplicated (heartbeats). */
  noDedupe?: boolean;
}

export interface BrokerWriterOptions {
  brokers: string[];
  clientId: string;
  partitions: number;
  replicationFactor: number;
  batchMaxMessages: number;
  batchMaxWaitMs: number;
  /** Largest record batch per partition; brokers refuse batches over message.max.bytes (1 MiB by default). */
  batchMaxBytes: number;
}

/** Per-record overhead of Kafka's record format, on top of key, value and headers. */
const RECORD_OVERHEAD = 80;


interface Pending {
  topic: string;
  partition: number;
  key: Buffer | null;
  value: string | null;
  headers: IHeaders;
  position: string;
  dedupe: boolean;
  bytes: number;
}

export class BrokerWriter {
  readonly kafka: Kafka;
  private producer: Producer;
  private admin: Admin;
  private partitionCounts = new Map<string, number>();
  /** topic:partition -> last position the broker holds. */
  readonly lastPositions = new Map<string, string>();
  private pending: Pending[] = [];
  /** Commit LSNs whose events are all in `pending` before index `upTo`. */
  private marks: { upTo: number; lsn: Lsn; commitTimeMs: number }[] = [];
  private sending: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private failed: Error | undefined;
  skippedDuplicates = 0;
  sentMessages = 0;

  constructor(
    private readonly opts: BrokerWriterOptions,
    /** Called with the newest commit LSN whose events the broker acknowledged. */
    private readonly onDurable: (lsn: Lsn, commitTimesMs: number[]) => void,
  ) {
    this.kafka = new Kafka({
      clientId: opts.clientId,
      brokers: opts.brokers,
      logLevel: logLevel.NOTHING,
      retry: { retries: 8, initialRetryTime: 200, maxRetryTime: 5000 },
      connectionTimeout: 5000,
    });
    this.producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    this.admin = this.kafka.admin();
  }

  async connect(): Promise<void> {
    try {
      await this.admin.connect();
      await this.producer.connect();
    } catch (e) {
      throw new UserError(`cannot reach the Kafka broker at ${this.opts.brokers.join(',')}: ${(e as Error).message}`, {
        fix: 'start the broker (`lakehouse stack up`, or docker compose up) or set KAFKA_BROKERS to its address',
      });
    }
  }

  async disconnect(): Promise<void> {
    clearTimeout(this.timer);
    await this.producer.disconnect().catch(() => undefined);
    await this.admin.disconnect().catch(() => undefined);
  }

  /** Creates the topic when missing and learns its partition count. */
  async ensureTopic(topic: string, config: { compact?: boolean } = {}): Promise<number> {
    const known = this.partitionCounts.get(topic);
    if (known) return known;
    let meta = await this.topicPartitions(topic);
    if (meta === undefined) {
      await this.admin
        .createTopics({
          waitForLeaders: true,
          topics: [
            {
              topic,
              numPartitions: this.opts.partitions,
              replicationFactor: this.opts.replicationFactor,
              configEntries: config.compact ? [{ name: 'cleanup.policy', value: 'compact' }] : [],
            },
          ],
        })
        .catch((e: Error) => {
          if (!/already exists/i.test(e.message)) throw e;
        });
      meta = await this.topicPartitions(topic);
      if (meta === undefined) throw new Error(`topic ${topic} was created but has no metadata`);
      log.info('created topic', { topic, partitions: meta });
    }
    this.partitionCounts.set(topic, meta);
    return meta;
  }

  private async topicPartitions(topic: string): Promise<number | undefined> {
    try {
      const md = await this.admin.fetchTopicMetadata({ topics: [topic] });
      const n = md.topics[0]?.partitions.length ?? 0;
      return n > 0 ? n : undefined;
    } catch (e) {
      if (/does not host this topic-partition|UNKNOWN_TOPIC|This server does not host/i.test((e as Error).message)) return undefined;
      throw e;
    }
  }

  /** Queues a message (its topic must have been ensured). */
  enqueue(m: OutMessage): void {
    if (this.failed) throw this.failed;
    const partitions = this.partitionCounts.get(m.topic);
    if (partitions === undefined) throw new Error(`topic ${m.topic} was not ensured before use`);
    const key = m.key === null ? null : Buffer.from(m.key);
    const partition = key ? partitionFor(key, partitions) : 0;
    const headers: IHeaders = m.position ? { [POSITION_HEADER]: m.position, ...(m.headers ?? {}) } : { ...(m.headers ?? {}) };
    let bytes = RECORD_OVERHEAD + (key?.length ?? 0) + (m.value === null ? 0 : Buffer.byteLength(m.value));
    for (const [k, v] of Object.entries(headers)) bytes += k.length + String(v).length + 4;
    if (bytes > this.opts.batchMaxBytes) {
      this.failed = new UserError(
        `a change event of ${bytes} bytes on ${m.topic} (key ${m.key ?? 'none'}) is larger than the ${this.opts.batchMaxBytes}-byte batch limit`,
        { fix: "raise the broker's message.max.bytes (Redpanda: kafka_batch_max_bytes) and the topic's max.message.bytes, then cdc.batchMaxBytes to match" },
      );
      throw this.failed;
    }
    this.pending.push({ topic: m.topic, partition, key, value: m.value, headers, position: m.position, dedupe: !m.noDedupe, bytes });
    if (this.pending.length >= this.opts.batchMaxMessages) this.kick();
    else if (!this.timer) this.timer = setTimeout(() => this.kick(), this.opts.batchMaxWaitMs);
  }

  /** Everything queued so far completes the transaction that committed at `lsn`. */
  markCommit(lsn: Lsn, commitTimeMs: number): void {
    this.marks.push({ upTo: this.pending.length, lsn, commitTimeMs });
    if (this.pending.length === 0) this.kick();
    else if (!this.timer) this.timer = setTimeout(() => this.kick(), this.opts.batchMaxWaitMs);
  }

  get buffered(): number {
    return this.pending.length;
  }

  get error(): Error | undefined {
    return this.failed;
  }

  /** Resolves when everything queued so far is on the broker. */
  async flush(): Promise<void> {
    while (this.pending.length > 0 || this.marks.length > 0 || this.sending) {
      if (this.failed) throw this.failed;
      this.kick();
      if (this.sending) await this.sending;
      else await new Promise((r) => setTimeout(r, 5));
    }
    if (this.failed) throw this.failed;
  }

  /** Drops what was queued but not sent (the stream will deliver it again after a reconnect). */
  async discardPending(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.sending) await this.sending;
    this.pending = [];
    this.marks = [];
  }

  /** Nothing queued, nothing in flight. */
  get idle(): boolean {
    return this.pending.length === 0 && this.marks.length === 0 && this.sending === undefined;
  }

  private kick(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.sending || this.failed) return;
    if (this.pending.length === 0 && this.marks.length === 0) return;
    this.sending = this.sendOne()
      .catch((e: Error) => {
        this.failed ??= e;
      })
      .finally(() => {
      this.sending = undefined;
      if (this.pending.length >= this.opts.batchMaxMessages || (this.pending.length === 0 && this.marks.length > 0)) this.kick();
      else if (this.pending.length > 0 && !this.timer) this.timer = setTimeout(() => this.kick(), this.opts.batchMaxWaitMs);
    });
  }

  private async sendOne(): Promise<void> {
    // As many messages as fit: the count limit, and no partition's record batch over the byte limit.
    const partitionBytes = new Map<string, number>();
    let n = 0;
    const limit = Math.min(this.pending.length, this.opts.batchMaxMessages);
    while (n < limit) {
      const m = this.pending[n]!;
      const tp = `${m.topic}:${m.partition}`;
      const b = (partitionBytes.get(tp) ?? 0) + m.bytes;
      if (b > this.opts.batchMaxBytes && n > 0) break;
      partitionBytes.set(tp, b);
      n++;
    }
    const batch = this.pending.slice(0, n);
    const byTopic = new Map<string, { partition: number; key: Buffer | null; value: string | null; headers: IHeaders }[]>();
    const newPositions = new Map<string, string>();
    for (const m of batch) {
      const tp = `${m.topic}:${m.partition}`;
      if (m.dedupe) {
        const last = newPositions.get(tp) ?? this.lastPositions.get(tp);
        if (last !== undefined && m.position <= last) {
          this.skippedDuplicates++;
          continue;
        }
        newPositions.set(tp, m.position);
      }
      let list = byTopic.get(m.topic);
      if (!list) byTopic.set(m.topic, (list = []));
      list.push({ partition: m.partition, key: m.key, value: m.value, headers: m.headers });
    }
    if (byTopic.size > 0) {
      for (let attempt = 1; ; attempt++) {
        try {
          await this.producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
          break;
        } catch (e) {
          if (/larger than the max message size/i.test((e as Error).message)) {
            this.failed = new UserError(`the broker refused a batch as too large: ${(e as Error).message}`, {
              fix: "lower cdc.batchMaxBytes below the broker's message.max.bytes (or the topic's max.message.bytes)",
            });
            throw this.failed;
          }
          // The broker may be restarting: hold the data (the stream is paused by then) and retry.
          // The slot is not confirmed past these events until the broker has them.
          log.warn('the broker did not accept a batch; retrying', { attempt, error: (e as Error).message });
          if (attempt >= 60) {
            this.failed = new Error(`the broker refused a batch ${attempt} times: ${(e as Error).message}`);
            throw this.failed;
          }
          await new Promise((r) => setTimeout(r, Math.min(5000, 250 * attempt)));
        }
      }
    }
    for (const [tp, pos] of newPositions) this.lastPositions.set(tp, pos);
    this.sentMessages += batch.length;
    this.pending.splice(0, n);
    let durable: Lsn | undefined;
    const commitTimes: number[] = [];
    while (this.marks.length > 0 && this.marks[0]!.upTo <= n) {
      const mk = this.marks.shift()!;
      durable = mk.lsn;
      commitTimes.push(mk.commitTimeMs);
    }
    for (const mk of this.marks) mk.upTo -= n;
    if (durable !== undefined) this.onDurable(durable, commitTimes);
  }
}
