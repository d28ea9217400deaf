// The capture's Connect schemas, followed from the compacted topic <prefix>.schemas: schema id
// (the lakehouse.schema header of every change event) to the table's key and envelope schemas.
// Every consumer instance reads the whole topic at start and keeps following it, so it needs no
// state of its own. The capture writes a table's schema before the table's first event, but on a
// multi-broker cluster the two can become visible in either order: `get` waits for the topic to
// catch up before it says a schema is unknown.

import type { Admin, Kafka, KafkaMessage } from 'kafkajs';
import { schemaTopic, type SchemaRecord } from '../contracts/change-event.js';
import { logger } from './log.js';
import { TopicReader } from './topic-reader.js';

const log = logger('schemas');

export class SchemaRegistry {
  private readonly byId = new Map<string, SchemaRecord>();
  private readonly reader: TopicReader;
  private readonly listeners: Array<(id: string, rec: SchemaRecord) => void> = [];
  readonly topic: string;

  constructor(kafka: Kafka, admin: Admin, prefix: string, groupPrefix: string) {
    this.topic = schemaTopic(prefix);
    this.reader = new TopicReader(kafka, admin, [this.topic], groupPrefix, (_t, _p, m) => this.onMessage(m));
  }

  async start(): Promise<void> {
    await this.reader.start();
    await this.reader.catchUp(60000);
  }

  /** Called for each schema record read (new tables, new shapes of a table). */
  onSchema(listener: (id: string, rec: SchemaRecord) => void): void {
    this.listeners.push(listener);
    for (const [id, rec] of this.byId) listener(id, rec);
  }

  /** The schema with this id, reading the topic up to its end once if it is not known yet. */
  async get(id: string, waitMs = 10000): Promise<SchemaRecord | undefined> {
    const known = this.byId.get(id);
    if (known) return known;
    const deadline = Date.now() + waitMs;
    while (Date.now() < deadline) {
      await this.reader.catchUp(Math.max(1000, deadline - Date.now()));
      const rec = this.byId.get(id);
      if (rec) return rec;
      await new Promise((r) => setTimeout(r, 250));
    }
    return undefined;
  }

  /** Tables ("schema.table") that have a schema on the topic. */
  tables(): Set<string> {
    return new Set([...this.byId.values()].map((r) => r.table));
  }

  async stop(): Promise<void> {
    await this.reader.stop();
  }

  private onMessage(m: KafkaMessage): void {
    if (!m.key || !m.value) return;
    try {
      const rec = JSON.parse(m.value.toString()) as SchemaRecord;
      if (typeof rec.table !== 'string' || !rec.value) throw new Error('not a schema record');
      const id = m.key.toString();
      this.byId.set(id, rec);
      for (const l of this.listeners) l(id, rec);
    } catch (e) {
      log.warn(`skipping an unreadable record on ${this.topic}@${m.offset}: ${(e as Error).message}`);
    }
  }
}
