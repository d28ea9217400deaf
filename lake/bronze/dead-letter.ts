// The dead-letter topic <prefix>.dlq: a message that cannot become a bronze row (not JSON, not a
// change envelope, a schema nobody announced, a column type the table cannot change to) is copied
// there with its key, value and headers, plus Kafka Connect's error-context headers
// (errors.deadletterqueue.context.headers.enable) so the tools that read Connect's dead letters
// read ours. The writer goes on; nothing is dropped.

import type { Admin, IHeaders, KafkaMessage, Producer } from 'kafkajs';
import { logger } from '../../common/log.js';
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

export class DeadLetterQueue {
  private ensured = false;

  constructor(
    private readonly admin: Admin,
    private readonly producer: Producer,
    readonly topic: string,
    private readonly stage: string,
    private readonly topicConfig: { partitions: number; replicationFactor: number },
  ) {}

  /** Sends the letters and waits for the broker to acknowledge all of them. */
  async send(letters: DeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    await this.ensureTopic();
    await this.producer.send({
      topic: this.topic,
      acks: -1,
      messages: letters.map((l) => ({
        key: l.message.key ?? null,
        value: l.message.value ?? null,
        headers: {
          ...copyHeaders(l.message.headers),
          '__connect.errors.topic': l.topic,
          '__connect.errors.partition': String(l.partition),
          '__connect.errors.offset': l.message.offset,
          '__connect.errors.stage': this.stage,
          '__connect.errors.exception.class.name': l.reason,
          '__connect.errors.exception.message': l.detail,
          'lakehouse.dlq.reason': l.reason,
        },
      })),
    });
    for (const l of letters) {
      metrics.deadLettersTotal.inc({ stage: this.stage, reason: l.reason });
      log.warn(`dead letter: ${l.topic}[${l.partition}]@${l.message.offset} → ${this.topic}: ${l.detail}`, { reason: l.reason });
    }
  }

  private async ensureTopic(): Promise<void> {
    if (this.ensured) return;
    const existing = await this.admin.listTopics();
    if (!existing.includes(this.topic)) {
      await this.admin
        .createTopics({ waitForLeaders: true, topics: [{ topic: this.topic, numPartitions: this.topicConfig.partitions, replicationFactor: this.topicConfig.replicationFactor }] })
        .catch((e: Error) => {
          if (!/already exists/i.test(e.message)) throw e;
        });
    }
    this.ensured = true;
  }
}

function copyHeaders(h: IHeaders | undefined): IHeaders {
  const out: IHeaders = {};
  for (const [k, v] of Object.entries(h ?? {})) if (v !== undefined) out[k] = v;
  return out;
}
