// The dead-letter topic <prefix>.dlq: a message that cannot become a bronze row (not JSON, not a
// change envelope, a schema nobody announced, a column type the table cannot change to) is copied
// there with its key, value and headers, plus Kafka Connect's error-context headers
// (errors.deadletterqueue.context.headers.enable) so the tools that read Connect's dead letters
// read ours. The writer goes on; nothing is dropped.
//
// Each letter once: letters are sent before the bronze commit whose txn covers their offsets, so
// a writer killed between the two reads those offsets again after its restart (or another writer
// of the group does) and would send them twice. All letters from one source partition go to one
// dead-letter partition, in offset order, one acknowledged send at a time; so the dead-letter
// topic holds, per source partition, letters up to some offset and none beyond. Following the
// topic (its Connect headers name the source) gives that offset, and a letter at or below it was
// already sent.

import type { Admin, IHeaders, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { logger } from '../../common/log.js';
import { partitionFor } from '../../common/kafka-partition.js';
import { retryTransient } from '../../common/kafka-retry.js';
import { TopicReader } from '../../common/topic-reader.js';
import * as metrics from '../../monitoring/metrics.js';

const log = logger('bronze');

export type DeadLetterReason = 'not-json' | 'not-a-change-event' | 'unknown-schema' | 'wrong-table' | 'type-change' | 'unconvertible-value';

export interface DeadLetter {
  topic: string;
  partition: number;
  message: KafkaMessage;
  reason: DeadLetterReason;
  detail: string;
}

const SOURCE_TOPIC = '__connect.errors.topic';
const SOURCE_PARTITION = '__connect.errors.partition';
const SOURCE_OFFSET = '__connect.errors.offset';

export class DeadLetterQueue {
  private partitions = 0;
  /** Opened once: the writer sends the letters of several tables at the same time. */
  private opening: Promise<TopicReader> | undefined;
  /** source topic:partition -> the highest source offset the dead-letter topic holds. */
  private readonly held = new Map<string, bigint>();

  constructor(
    private readonly kafka: Kafka,
    private readonly admin: Admin,
    private readonly producer: Producer,
    readonly topic: string,
    private readonly stage: string,
    private readonly topicConfig: { partitions: number; replicationFactor: number },
  ) {}

  /** Sends the letters not already in the topic and waits for the broker to acknowledge them. */
  async send(letters: DeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    this.opening ??= this.open().catch((e: unknown) => {
      this.opening = undefined; // the next batch tries again
      throw e;
    });
    const reader = await this.opening;
    // Everything in the topic now, whichever writer of the group sent it, is known before deciding.
    if (!(await reader.catchUp(60_000))) throw new Error(`could not read ${this.topic} to its end within 60 s`);
    const fresh = letters.filter((l) => BigInt(l.message.offset) > (this.held.get(`${l.topic}:${l.partition}`) ?? -1n));
    const repeated = letters.length - fresh.length;
    if (repeated) {
      metrics.deadLettersRepeatedTotal.inc({ stage: this.stage }, repeated);
      log.info(`${repeated} dead letter(s) read again after a restart were already in ${this.topic}; not sent twice`);
    }
    if (fresh.length === 0) return;
    fresh.sort((a, b) => (BigInt(a.message.offset) < BigInt(b.message.offset) ? -1 : 1));
    await this.producer.send({
      topic: this.topic,
      acks: -1,
      messages: fresh.map((l) => ({
        partition: partitionFor(Buffer.from(`${l.topic}:${l.partition}`), this.partitions),
        key: l.message.key ?? null,
        value: l.message.value ?? null,
        headers: {
          ...copyHeaders(l.message.headers),
          [SOURCE_TOPIC]: l.topic,
          [SOURCE_PARTITION]: String(l.partition),
          [SOURCE_OFFSET]: l.message.offset,
          '__connect.errors.stage': this.stage,
          '__connect.errors.exception.class.name': l.reason,
          '__connect.errors.exception.message': l.detail,
          'lakehouse.dlq.reason': l.reason,
        },
      })),
    });
    for (const l of fresh) {
      this.note(l.topic, l.partition, BigInt(l.message.offset));
      metrics.deadLettersTotal.inc({ stage: this.stage, reason: l.reason });
      log.warn(`dead letter: ${l.topic}[${l.partition}]@${l.message.offset} → ${this.topic}: ${l.detail}`, { reason: l.reason });
    }
  }

  async stop(): Promise<void> {
    const reader = await this.opening?.catch(() => undefined);
    await reader?.stop();
  }

  private note(topic: string, partition: number, offset: bigint): void {
    const tp = `${topic}:${partition}`;
    if (offset > (this.held.get(tp) ?? -1n)) this.held.set(tp, offset);
  }

  /** Creates the topic when missing, learns its partitions and starts following it. */
  private async open(): Promise<TopicReader> {
    const existing = await retryTransient(() => this.admin.listTopics());
    if (!existing.includes(this.topic)) {
      await this.admin
        .createTopics({ waitForLeaders: true, topics: [{ topic: this.topic, numPartitions: this.topicConfig.partitions, replicationFactor: this.topicConfig.replicationFactor }] })
        .catch((e: Error) => {
          if (!/already exists/i.test(e.message)) throw e;
        });
    }
    const md = await retryTransient(() => this.admin.fetchTopicMetadata({ topics: [this.topic] }));
    this.partitions = md.topics[0]?.partitions.length || this.topicConfig.partitions;
    const reader = new TopicReader(this.kafka, this.admin, [this.topic], `lakehouse-${this.stage}-dlq`, (_t, _p, m) => {
      const h = m.headers ?? {};
      const topic = h[SOURCE_TOPIC]?.toString();
      const partition = Number(h[SOURCE_PARTITION]?.toString());
      const offset = h[SOURCE_OFFSET]?.toString();
      if (topic && Number.isInteger(partition) && offset && /^\d+$/.test(offset)) this.note(topic, partition, BigInt(offset));
    });
    await reader.start();
    return reader;
  }
}

function copyHeaders(h: IHeaders | undefined): IHeaders {
  const out: IHeaders = {};
  for (const [k, v] of Object.entries(h ?? {})) if (v !== undefined) out[k] = v;
  return out;
}
