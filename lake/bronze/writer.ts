// The bronze writer: a consumer group on the change topics that appends every change event, once,
// to bronze/<schema>/<table>.
//
//   change topics ──► decode (schema topic for types) ──► buffer per partition ──► flush:
//     dead letters to <prefix>.dlq ──► one Delta append per table with a txn per partition
//     (appId "<topic>-<partition>", version = last offset) ──► consumer offsets committed
//
// Exactly once: the Delta commit, not the consumer offset, is the record of what bronze holds.
// Before each append the rows at or below the table's txn version for their partition are
// dropped, so a batch read again after a crash, a rebalance, or by a second writer that still had
// it buffered adds nothing twice; two writers racing for the same partition meet in the Delta
// log's put-if-absent commit, and the loser re-reads the txn versions and filters again.
// Offsets are committed only after the Delta commit, so nothing is lost either.

import { Kafka, logLevel, type Admin, type Consumer, type EachBatchPayload, type KafkaMessage, type Producer } from 'kafkajs';
import { UserError, errorMessage } from '../../common/errors.js';
import { logger } from '../../common/log.js';
import { retryTransient } from '../../common/kafka-retry.js';
import { SchemaRegistry } from '../../common/schema-registry.js';
import { createHash } from 'node:crypto';
import { deadLetterTopic, POSITION_HEADER, SCHEMA_HEADER, schemaTopic, unwrapEnvelope, type ChangeEvent, type ConnectSchema, type SchemaRecord } from '../../contracts/change-event.js';
import { parseEventJson } from '../../contracts/event-json.js';
import { ConsumerLagProbe } from '../../monitoring/consumer-lag.js';
import * as metrics from '../../monitoring/metrics.js';
import { ConcurrentModificationError, DeltaTable, type ColumnSpec, type Row } from '../index.js';
import { hostname } from 'node:os';
import { compactIfNeeded, type CompactionPolicy } from '../compaction.js';
import { layerPath, splitTableName } from '../layers.js';
import { DeadLetterQueue, type DeadLetter } from './dead-letter.js';
import { BRONZE_METADATA, BRONZE_PARTITION, bronzeRow, PRIMARY_KEY_PROPERTY, TableShape } from './rows.js';

const log = logger('bronze');

export interface BronzeOptions {
  brokers: string[];
  clientId: string;
  prefix: string;
  groupId: string;
  lakeRoot: string;
  /** Only these "schema.table" (empty: every table the capture announces). */
  tables: string[];
  batchMaxRows: number;
  batchMaxBytes: number;
  batchMaxWaitMs: number;
  sessionTimeoutMs: number;
  partitions: number;
  replicationFactor: number;
  /** Small-file compaction of the bronze tables, every `intervalMs` (undefined: none). */
  compaction?: CompactionPolicy & { intervalMs: number };
}

/** Names this process in the commitInfo of each commit it makes (engineInfo). */
const ENGINE = `lakehouse-bronze/${hostname()}:${process.pid}`;

interface Entry {
  offset: bigint;
  bytes: number;
  row?: Row;
  /** Schema whose columns the row has (for schema evolution at append). */
  shape?: TableShape;
  letter?: DeadLetter;
  sourceTsMs?: number;
  op?: string;
}

interface PartitionBuffer {
  topic: string;
  partition: number;
  table: string;
  entries: Entry[];
}

interface TableState {
  name: string;
  path: string;
  delta: DeltaTable;
}

export interface FlushReport {
  rows: number;
  tables: number;
  deadLetters: number;
  skipped: number;
}

export class BronzeWriter {
  private readonly kafka: Kafka;
  private admin!: Admin;
  private producer!: Producer;
  private consumer: Consumer | undefined;
  private registry!: SchemaRegistry;
  private dlq!: DeadLetterQueue;
  private lag: ConsumerLagProbe | undefined;
  /** topic → "schema.table" for the tables this writer follows. */
  private readonly topicTables = new Map<string, string>();
  private subscribed = new Set<string>();
  private readonly tables = new Map<string, Promise<TableState>>();
  private buffer = new Map<string, PartitionBuffer>();
  private buffered = { rows: 0, bytes: 0, since: 0 };
  private flushing: Promise<unknown> = Promise.resolve();
  private timers: NodeJS.Timeout[] = [];
  private stopping = false;
  private fatal: ((e: Error) => void) | undefined;
  private stopped: (() => void) | undefined;
  private resubscribe = false;
  private readonly shapeCache = new Map<string, TableShape>();
  /** The newest schema record read per table (the columns a new bronze table starts with). */
  private readonly latest = new Map<string, SchemaRecord>();
  private ready = false;

  constructor(
    private readonly opts: BronzeOptions,
    private readonly hooks: { onReady?: () => void; onFlush?: (r: FlushReport) => void } = {},
  ) {
    this.kafka = new Kafka({ clientId: `${opts.clientId}-bronze`, brokers: opts.brokers, logLevel: logLevel.NOTHING });
    metrics.registerHealth({ name: 'bronze', healthy: () => this.ready && !this.stopping, detail: () => ({ tables: this.topicTables.size, bufferedRows: this.buffered.rows }) });
  }

  /** Runs until stop() (resolves) or a fatal error (rejects). */
  async run(): Promise<void> {
    this.admin = this.kafka.admin();
    try {
      await this.admin.connect();
    } catch (e) {
      throw new UserError(`cannot reach the broker: ${errorMessage(e)}`, { where: `kafka.brokers ${this.opts.brokers.join(',')}`, fix: 'start it (`lakehouse stack up`) or set KAFKA_BROKERS' });
    }
    await this.waitForSchemaTopic();
    if (this.stopping) return;
    // Idempotent: a produce retried after a lost acknowledgement does not write a dead letter twice.
    this.producer = this.kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
    await this.producer.connect();
    this.dlq = new DeadLetterQueue(this.kafka, this.admin, this.producer, deadLetterTopic(this.opts.prefix), 'bronze', { partitions: this.opts.partitions, replicationFactor: this.opts.replicationFactor });
    this.registry = new SchemaRegistry(this.kafka, this.admin, this.opts.prefix, this.opts.groupId);
    this.registry.onSchema((_id, rec) => this.onSchema(rec));
    await this.registry.start();

    const done = new Promise<void>((resolve, reject) => {
      this.fatal = reject;
      this.stopped = resolve;
    });
    await this.syncSubscription();
    this.timers.push(setInterval(() => void this.tick(), 50));
    this.timers.push(setInterval(() => void this.checkNewTopics(), 2000));
    if (this.opts.compaction) this.timers.push(setInterval(() => void this.compact(), this.opts.compaction.intervalMs));
    this.lag = new ConsumerLagProbe(this.admin, this.opts.groupId, () => [...this.subscribed]);
    this.lag.start();
    this.ready = true;
    this.hooks.onReady?.();
    try {
      await done;
    } finally {
      for (const t of this.timers) clearInterval(t);
      this.lag.stop();
      await this.flushNow().catch((e: Error) => log.warn(`last flush failed; the next start reads those messages again: ${e.message}`));
      await this.consumer?.disconnect().catch(() => undefined);
      await this.registry.stop();
      await this.dlq.stop();
      await this.producer.disconnect().catch(() => undefined);
      await this.admin.disconnect().catch(() => undefined);
    }
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.stopped?.();
  }

  private fail(e: Error): void {
    if (!this.stopping) metrics.errorsTotal.inc({ stage: 'bronze' });
    this.stopping = true;
    this.fatal?.(e);
  }

  private async waitForSchemaTopic(): Promise<void> {
    const topic = schemaTopic(this.opts.prefix);
    let told = false;
    while (!this.stopping) {
      if ((await this.admin.listTopics()).includes(topic)) return;
      if (!told) log.info(`waiting for the change capture: ${topic} does not exist yet (start \`lakehouse cdc\`)`);
      told = true;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }

  // ---- which topics -----------------------------------------------------------------------

  private onSchema(rec: SchemaRecord): void {
    if (this.opts.tables.length && !this.opts.tables.includes(rec.table)) return;
    this.latest.set(rec.table, rec);
    const topic = `${this.opts.prefix}.${rec.table}`;
    if (!this.topicTables.has(topic)) {
      this.topicTables.set(topic, rec.table);
      this.resubscribe = true;
    }
  }

  private async checkNewTopics(): Promise<void> {
    if (!this.resubscribe || this.stopping) return;
    await this.serialize(() => this.syncSubscription()).catch((e: Error) => this.fail(e));
  }

  /** (Re)starts the consumer on every change topic that exists; new tables need a new subscription. */
  private async syncSubscription(): Promise<void> {
    this.resubscribe = false;
    const existing = new Set(await this.admin.listTopics());
    const wanted = [...this.topicTables.keys()].filter((t) => existing.has(t));
    if (wanted.length < this.topicTables.size) this.resubscribe = true; // announced, topic not visible yet
    if (wanted.length === this.subscribed.size && wanted.every((t) => this.subscribed.has(t))) return;
    if (this.consumer) {
      // Stop reading first (an eachBatch waiting for room sees isRunning() turn false), then
      // write what was read; the new consumer starts at the committed offsets and the txn
      // versions skip whatever it reads again.
      const old = this.consumer;
      this.consumer = undefined;
      await old.disconnect().catch(() => undefined);
      await this.flushUnlocked();
    }
    if (wanted.length === 0) {
      this.consumer = undefined;
      this.subscribed = new Set();
      return;
    }
    const consumer = this.kafka.consumer({
      groupId: this.opts.groupId,
      sessionTimeout: this.opts.sessionTimeoutMs,
      heartbeatInterval: Math.min(3000, Math.floor(this.opts.sessionTimeoutMs / 3)),
      maxWaitTimeInMs: 500,
      maxBytesPerPartition: 4 * 1024 * 1024,
      allowAutoTopicCreation: false,
    });
    consumer.on(consumer.events.CRASH, (e) => {
      if (!e.payload.restart) this.fail(new UserError(`the bronze consumer stopped: ${errorMessage(e.payload.error)}`, { where: `kafka.brokers ${this.opts.brokers.join(',')}`, fix: 'check that the broker is up, then start lakehouse bronze again' }));
    });
    await consumer.connect();
    await retryTransient(() => consumer.subscribe({ topics: wanted, fromBeginning: true }));
    await consumer.run({ autoCommit: false, eachBatchAutoResolve: true, partitionsConsumedConcurrently: 4, eachBatch: (p) => this.onBatch(p) });
    this.consumer = consumer;
    this.subscribed = new Set(wanted);
    log.info('following change topics', { topics: wanted.length, group: this.opts.groupId });
  }

  // ---- reading ----------------------------------------------------------------------------

  private async onBatch({ batch, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const table = this.topicTables.get(batch.topic);
    if (!table || batch.messages.length === 0) return;
    const state = await this.table(table);
    const ingestedAt = new Date();
    const entries: Entry[] = [];
    for (const m of batch.messages) {
      if (!isRunning() || isStale()) return;
      entries.push(await this.decode(batch.topic, batch.partition, table, state, m, ingestedAt));
    }
    // Into the buffer in one synchronous step: a flush that ran while this batch was decoded has
    // swapped the buffer, and the batch belongs to the new one.
    const key = `${batch.topic}:${batch.partition}`;
    let buf = this.buffer.get(key);
    if (!buf) {
      buf = { topic: batch.topic, partition: batch.partition, table, entries: [] };
      this.buffer.set(key, buf);
    }
    // A partition read again from an earlier offset (after a rebalance) replaces what is buffered
    // from that offset on, so the buffer stays one contiguous run per partition.
    const first = entries[0]!.offset;
    const lastBuffered = buf.entries[buf.entries.length - 1]?.offset;
    if (lastBuffered !== undefined && first <= lastBuffered) {
      const keep = buf.entries.filter((e) => e.offset < first);
      for (const e of buf.entries.slice(keep.length)) this.account(e, -1);
      buf.entries = keep;
    }
    for (const e of entries) {
      buf.entries.push(e);
      this.account(e, 1);
    }
    await heartbeat();
    // Backpressure without taking the flush lock (a resubscription holds it while it waits for
    // this handler to return): wait for the flushes the timer starts to make room.
    while (this.full(2) && isRunning() && !isStale() && !this.stopping) {
      await new Promise((r) => setTimeout(r, 20));
      await heartbeat();
    }
  }

  private full(factor = 1): boolean {
    return this.buffered.rows >= this.opts.batchMaxRows * factor || this.buffered.bytes >= this.opts.batchMaxBytes * factor;
  }

  private account(e: Entry, sign: 1 | -1): void {
    this.buffered.rows += sign;
    this.buffered.bytes += sign * e.bytes;
    if (sign > 0 && this.buffered.since === 0) this.buffered.since = Date.now();
    metrics.bronzeBufferedMessages.set(this.buffered.rows);
  }

  private async decode(topic: string, partition: number, table: string, state: TableState, m: KafkaMessage, ingestedAt: Date): Promise<Entry> {
    const offset = BigInt(m.offset);
    const bytes = (m.value?.length ?? 0) + 200;
    const letter = (reason: DeadLetter['reason'], detail: string): Entry => ({ offset, bytes, letter: { topic, partition, message: m, reason, detail } });
    if (!m.value) return { offset, bytes }; // a tombstone: nothing for bronze, but its offset counts
    let parsed: unknown;
    try {
      parsed = parseEventJson(m.value.toString('utf8'));
    } catch (e) {
      return letter('not-json', `the value is not JSON: ${errorMessage(e)}`);
    }
    const { event, schema: inline } = unwrapEnvelope(parsed);
    const why = envelopeProblem(event);
    if (why) return letter('not-a-change-event', why);
    const src = event.source;
    if (src && typeof src.schema === 'string' && typeof src.table === 'string' && `${src.schema}.${src.table}` !== table) {
      return letter('wrong-table', `the event is for ${src.schema}.${src.table} but the topic holds ${table}`);
    }
    let shape: TableShape | undefined;
    const schemaId = header(m, SCHEMA_HEADER);
    if (inline) {
      const text = JSON.stringify(inline);
      const id = `inline:${createHash('sha1').update(text).digest('hex')}`;
      shape = this.shapeCache.get(id);
      if (!shape) {
        shape = TableShape.fromRecord({ table, key: inlineKeySchema(m), value: inline });
        this.shapeCache.set(id, shape);
      }
    } else if (schemaId) {
      shape = this.shapeCache.get(schemaId);
      if (!shape) {
        const rec = await this.registry.get(schemaId);
        if (!rec) return letter('unknown-schema', `schema ${schemaId} (header ${SCHEMA_HEADER}) is not on ${this.registry.topic}`);
        shape = TableShape.fromRecord(rec);
        this.shapeCache.set(schemaId, shape);
      }
    } else {
      return letter('unknown-schema', `the event has neither an inline schema nor a ${SCHEMA_HEADER} header, so its column types are unknown`);
    }
    const clashes = shape.clashes();
    if (clashes.length) return letter('type-change', `source columns ${clashes.join(', ')} have the names of bronze metadata columns`);
    const changed = this.typeChanges(shape, state);
    if (changed.length) {
      const c = changed[0]!;
      return letter('type-change', `column ${table}.${c.name} changed type from ${JSON.stringify(c.from)} to ${JSON.stringify(c.to)}, which the bronze table ${state.path} cannot hold; the column keeps its old type`);
    }
    let row: Row;
    try {
      row = bronzeRow(shape, event, { topic, partition, offset: m.offset, position: header(m, POSITION_HEADER), ingestedAt });
    } catch (e) {
      return letter('unconvertible-value', `a value cannot be converted to its column type: ${errorMessage(e)}`);
    }
    return { offset, bytes, row, shape, sourceTsMs: Number(src?.ts_ms ?? event.ts_ms), op: event.op };
  }

  private readonly diffs = new WeakMap<TableShape, { schema: string; changed: ReturnType<TableShape['diff']>['changed'] }>();

  /** Columns whose type this shape changes against the table, cached per table schema. */
  private typeChanges(shape: TableShape, state: TableState): ReturnType<TableShape['diff']>['changed'] {
    const schema = state.delta.metadata.schemaString;
    const hit = this.diffs.get(shape);
    if (hit && hit.schema === schema) return hit.changed;
    const { changed } = shape.diff(new Map(state.delta.schema.fields.map((f) => [f.name, f.type])));
    this.diffs.set(shape, { schema, changed });
    return changed;
  }

  private table(name: string): Promise<TableState> {
    let p = this.tables.get(name);
    if (!p) {
      p = this.openTable(name);
      this.tables.set(name, p);
      p.catch(() => this.tables.delete(name));
    }
    return p;
  }

  private async openTable(name: string): Promise<TableState> {
    const { schema, table } = splitTableName(name);
    const path = layerPath('bronze', schema, table);
    const rec = this.latest.get(name);
    const shape = rec ? TableShape.fromRecord(rec) : undefined;
    const clashes = new Set(shape?.clashes() ?? []);
    const source = shape ? shape.columns.map((c) => c.spec).filter((c) => !clashes.has(c.name)) : [];
    const delta = await DeltaTable.openOrCreate(this.opts.lakeRoot, path, {
      columns: [...source, ...BRONZE_METADATA],
      partitionBy: [BRONZE_PARTITION],
      // silver merges by the source's primary key; bronze is where it reads the key from
      configuration: shape?.keyColumns.length ? { [PRIMARY_KEY_PROPERTY]: JSON.stringify(shape.keyColumns) } : {},
      description: `bronze change log of ${name}: every change event once (lakehouse bronze)`,
    });
    return { name, path, delta };
  }

  // ---- writing ----------------------------------------------------------------------------

  private flushPending = false;

  private async tick(): Promise<void> {
    if (this.stopping || this.buffered.since === 0 || this.flushPending) return;
    if (!this.full() && Date.now() - this.buffered.since < this.opts.batchMaxWaitMs) return;
    this.flushPending = true;
    try {
      await this.flushNow();
    } catch (e) {
      this.fail(e as Error);
    } finally {
      this.flushPending = false;
    }
  }

  private serialize<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.flushing.then(fn, fn);
    this.flushing = next.catch(() => undefined);
    return next;
  }

  /** Writes everything buffered now; at most one flush runs at a time. */
  flushNow(): Promise<FlushReport> {
    return this.serialize(() => this.flushUnlocked());
  }

  private async flushUnlocked(): Promise<FlushReport> {
    const buffers = [...this.buffer.values()].filter((b) => b.entries.length > 0);
    this.buffer = new Map();
    this.buffered = { rows: 0, bytes: 0, since: 0 };
    metrics.bronzeBufferedMessages.set(0);
    const report: FlushReport = { rows: 0, tables: 0, deadLetters: 0, skipped: 0 };
    if (buffers.length === 0) return report;
    const byTable = new Map<string, PartitionBuffer[]>();
    for (const b of buffers) byTable.set(b.table, [...(byTable.get(b.table) ?? []), b]);
    await Promise.all([...byTable].map(([name, parts]) => this.writeTable(name, parts, report)));
    await this.commitOffsets(buffers);
    this.hooks.onFlush?.(report);
    return report;
  }

  private async writeTable(name: string, parts: PartitionBuffer[], report: FlushReport): Promise<void> {
    const state = await this.table(name);
    const delta = state.delta;
    const lettersSent = new Set<string>();
    for (let attempt = 0; ; attempt++) {
      const rows: Row[] = [];
      const letters: DeadLetter[] = [];
      const shapes = new Set<TableShape>();
      const txn: Array<{ appId: string; version: number }> = [];
      const latencies: number[] = [];
      const ops = new Map<string, number>();
      let skipped = 0;
      for (const p of parts) {
        const appId = `${p.topic}-${p.partition}`;
        const done = BigInt(delta.txnVersion(appId) ?? -1);
        let last = -1n;
        for (const e of p.entries) {
          if (e.offset <= done) {
            skipped++;
            continue;
          }
          last = e.offset;
          if (e.row) {
            rows.push(e.row);
            if (e.shape) shapes.add(e.shape);
            if (e.sourceTsMs) latencies.push(e.sourceTsMs);
            ops.set(e.op!, (ops.get(e.op!) ?? 0) + 1);
          } else if (e.letter && !lettersSent.has(`${appId}@${e.offset}`)) {
            letters.push(e.letter);
            lettersSent.add(`${appId}@${e.offset}`);
          }
        }
        if (last >= 0n) txn.push({ appId, version: Number(last) });
      }
      if (txn.length === 0) {
        report.skipped += skipped;
        if (skipped) metrics.bronzeDuplicatesSkippedTotal.inc({ table: name }, skipped);
        return;
      }
      // Dead letters first: once the txn is committed their offsets are never read again.
      await this.dlq.send(letters);
      report.deadLetters += letters.length;
      const columns: ColumnSpec[] = [];
      for (const s of shapes) for (const c of s.columns) columns.push({ ...c.spec, nullable: true });
      try {
        const res = await delta.append(rows, { txn, columns, engineInfo: ENGINE });
        const now = Date.now();
        if (!res.skipped) {
          report.rows += rows.length;
          report.tables++;
          for (const [op, n] of ops) metrics.bronzeRowsTotal.inc({ table: name, op }, n);
          for (const t of latencies) metrics.bronzeCommitToBronzeSeconds.observe(Math.max(0, now - t) / 1000);
          metrics.deltaCommitsTotal.inc({ table: state.path, operation: 'WRITE' });
          metrics.deltaFilesAddedTotal.inc({ table: state.path }, res.filesAdded);
          metrics.deltaTableVersion.set({ table: state.path }, res.version);
        }
        report.skipped += skipped;
        if (skipped) metrics.bronzeDuplicatesSkippedTotal.inc({ table: name }, skipped);
        return;
      } catch (e) {
        if (!(e instanceof ConcurrentModificationError) || attempt >= 20) throw e;
        // another writer committed this partition (or changed the schema): read its txn versions
        await delta.refresh();
      }
    }
  }

  private compacting = false;

  /** OPTIMIZE for tables with many small files, beside the appends (it never conflicts with them). */
  private async compact(): Promise<void> {
    if (this.compacting || this.stopping || !this.opts.compaction) return;
    this.compacting = true;
    try {
      for (const [name, p] of this.tables) {
        if (this.stopping) break;
        const state = await p.catch(() => undefined);
        if (!state) continue;
        const fresh = await DeltaTable.open(this.opts.lakeRoot, state.path);
        await compactIfNeeded(fresh, state.path, this.opts.compaction).catch((e: Error) => log.warn(`compaction of ${name} failed; it is tried again later`, { error: e.message }));
      }
    } finally {
      this.compacting = false;
    }
  }

  private async commitOffsets(buffers: PartitionBuffer[]): Promise<void> {
    if (!this.consumer) return;
    const offsets = buffers.map((b) => ({ topic: b.topic, partition: b.partition, offset: String(b.entries[b.entries.length - 1]!.offset + 1n) }));
    try {
      await this.consumer.commitOffsets(offsets);
    } catch (e) {
      // Not fatal: bronze's txn versions hold the truth, and the next owner skips what is there.
      log.debug(`offset commit failed (a rebalance?): ${errorMessage(e)}`);
    }
  }
}

/** The key's Connect schema when the key is in the {schema, payload} form too. */
function inlineKeySchema(m: KafkaMessage): ConnectSchema {
  try {
    const k = m.key ? (JSON.parse(m.key.toString('utf8')) as { schema?: ConnectSchema }) : undefined;
    if (k?.schema?.fields) return k.schema;
  } catch {
    // a key that is not JSON: no key columns known
  }
  return { type: 'struct', optional: false, fields: [] };
}

function header(m: KafkaMessage, name: string): string | undefined {
  const v = m.headers?.[name];
  if (v === undefined || v === null) return undefined;
  return Array.isArray(v) ? String(v[0]) : String(v);
}

const OPS = new Set(['c', 'u', 'd', 'r', 't']);

/** Why a parsed value is not a change event, or undefined when it is one. */
export function envelopeProblem(event: ChangeEvent | null | undefined): string | undefined {
  if (event === null || typeof event !== 'object' || Array.isArray(event)) return 'the value is not a JSON object';
  if (!('op' in event)) return 'the value has no "op" field: it is not a Debezium change envelope';
  if (typeof event.op !== 'string' || !OPS.has(event.op)) return `unknown op ${JSON.stringify(event.op)} (expected one of c u d r t)`;
  if (!event.source || typeof event.source !== 'object') return 'the envelope has no "source" block';
  if ((event.op === 'c' || event.op === 'u' || event.op === 'r') && (!event.after || typeof event.after !== 'object')) return `op "${event.op}" without an "after" row`;
  if (event.op === 'd' && (!event.before || typeof event.before !== 'object')) return 'op "d" without a "before" row';
  return undefined;
}
