// The change capture: checks and prepares the source, takes the initial snapshot when one is due,
// then streams the slot into the broker. The slot's confirmed LSN only moves to a commit whose
// events the broker acknowledged (BrokerWriter.onDurable), so a crash anywhere loses nothing;
// the events a restart delivers again are dropped by the broker writer's position check.

import pg from 'pg';
import type { Config } from '../common/config.js';
import { UserError } from '../common/errors.js';
import { logger } from '../common/log.js';
import { heartbeatTopic, NEW_KEY_HEADER, OLD_KEY_HEADER, SCHEMA_HEADER, schemaTopic, topicFor, transactionTopic } from '../contracts/change-event.js';
import * as metrics from '../monitoring/metrics.js';
import { BrokerWriter } from './broker-writer.js';
import { SESSION_OPTIONS, tableInfo, textClient, type TableInfo } from './catalog.js';
import { buildShape, keyHeaderJson, keyJson, nowMicros, rowJson, schemaRecordJson, transactionRecordJson, valueJson, type EnvelopeOptions, type TableShape, type TextRow } from './envelope.js';
import { formatLsn, parseLsn, positionOf, type Lsn } from './lsn.js';
import { ReplicationStream, type PgoutputMessage } from './replication-stream.js';
import { checkServer, checkTables, createSlot, ensurePublication, slotInfo, StateStore, type CaptureState } from './setup.js';
import { runSnapshot } from './snapshot.js';
import { readTailPositions } from './tail-reader.js';
import type { ColumnInfo } from './type-mapping.js';

const log = logger('cdc');

interface OpenTx {
  xid: number;
  /** "<xid>:<LSN of the transaction's first change>", as Debezium names a transaction. */
  id: string;
  commitLsn: Lsn;
  origin: string | null;
  originLsn: string | null;
  commitTimeUs: bigint;
  seq: number;
  perTable: Map<string, number>;
  begun: boolean;
}

export interface CaptureHooks {
  /** Called once streaming has started (after any snapshot). */
  onStreaming?: () => void;
  /** Called when the broker acknowledged transactions, with their commit times (benchmarks). */
  onDurable?: (commitTimesMs: number[], ackedAtMs: number) => void;
}

export class Capture {
  readonly writer: BrokerWriter;
  private admin: pg.Client;
  private stream: ReplicationStream | undefined;
  private shapes = new Map<number, TableShape>();
  private tx: OpenTx | null = null;
  private lastCommitLsn: string | null = null;
  private opts: EnvelopeOptions;
  private stopping = false;
  private streamFailed: ((e: Error) => void) | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private lagTimer: NodeJS.Timeout | undefined;
  private warnedUnknown = new Set<string>();
  private opCounts = new Map<string, number>();
  private oldestUnconfirmedMs: number | undefined;
  private streaming = false;
  private announced = new Set<string>();

  constructor(
    private readonly config: Config,
    private readonly hooks: CaptureHooks = {},
  ) {
    this.admin = textClient(config.database.url);
    const database = safeDbName(config.database.url);
    this.opts = { prefix: config.kafka.topicPrefix, database, decimalHandling: config.cdc.decimalHandling, schemasEnable: config.cdc.schemasEnable };
    this.writer = new BrokerWriter(
      {
        brokers: config.kafka.brokers,
        clientId: config.kafka.clientId,
        partitions: config.kafka.partitions,
        replicationFactor: config.kafka.replicationFactor,
        batchMaxMessages: config.cdc.batchMaxMessages,
        batchMaxWaitMs: config.cdc.batchMaxWaitMs,
        batchMaxBytes: config.cdc.batchMaxBytes,
      },
      (lsn, commitTimes) => this.onDurable(lsn, commitTimes),
    );
    metrics.registerHealth({ name: 'cdc', healthy: () => this.streaming && !this.writer.error });
  }

  /** Runs until stop() or a fatal error. */
  async run(): Promise<void> {
    const c = this.config.cdc;
    try {
      await this.admin.connect();
    } catch (e) {
      throw new UserError(`cannot connect to PostgreSQL: ${(e as Error).message}`, {
        fix: 'start it (`lakehouse stack up`) or set DATABASE_URL to the source database',
      });
    }
    await checkServer(this.admin);
    const setup = { publication: c.publication, slot: c.slot, schemas: c.schemas, tables: c.tables, stateSchema: c.stateSchema };
    await ensurePublication(this.admin, setup);
    const tables = await checkTables(this.admin, c.publication);
    const store = new StateStore(this.admin, c.stateSchema, c.slot);
    await store.init();
    const state = await store.load();

    await this.writer.connect();
    const topics = tables.map((t) => topicFor(this.opts.prefix, t.schema, t.table));
    for (const t of topics) await this.writer.ensureTopic(t);
    await this.writer.ensureTopic(schemaTopic(this.opts.prefix), { compact: true });
    if (c.transactionTopic) await this.writer.ensureTopic(transactionTopic(this.opts.prefix));
    if (c.heartbeatIntervalMs > 0) await this.writer.ensureTopic(heartbeatTopic(this.opts.prefix));
    const tails = await readTailPositions(this.writer.kafka, c.transactionTopic ? [...topics, transactionTopic(this.opts.prefix)] : topics);
    for (const [tp, pos] of tails) this.writer.lastPositions.set(tp, pos);

    const slot = await slotInfo(this.admin, c.slot);
    if (!slot.exists) {
      const previouslyDone = state.snapshot?.status === 'done';
      const wantSnapshot = c.snapshotMode === 'when_needed' || (c.snapshotMode === 'initial' && !previouslyDone);
      if (previouslyDone && c.snapshotMode === 'initial') {
        log.warn('the replication slot is gone (dropped, or lost in a failover): changes made meanwhile were not captured; set cdc.snapshotMode=when_needed to take a new snapshot');
      }
      const created = await createSlot(this.config.database.url, c.slot, wantSnapshot, SESSION_OPTIONS);
      try {
        if (wantSnapshot) {
          state.snapshot = { status: 'running', lsn: created.consistentPoint, seq: 0, tables: {} };
          await store.save(state);
          await this.snapshot(tables, state, store, created.snapshotName);
        }
      } finally {
        await created.connection.end().catch(() => undefined);
      }
    } else if (state.snapshot?.status === 'running' && c.snapshotMode !== 'never') {
      log.info('resuming the interrupted snapshot; changes made since it began follow from the slot');
      await this.snapshot(tables, state, store, null);
    }
    await this.streamLoop();
  }

  private async snapshot(tables: TableInfo[], state: CaptureState, store: StateStore, snapshotName: string | null): Promise<void> {
    const reader = textClient(this.config.database.url);
    await reader.connect();
    try {
      await reader.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      if (snapshotName) await reader.query(`SET TRANSACTION SNAPSHOT '${snapshotName.replace(/'/g, "''")}'`);
      await runSnapshot({
        client: reader,
        tables,
        state,
        save: () => store.save(state),
        writer: this.writer,
        opts: this.opts,
        chunkSize: this.config.cdc.snapshotChunkSize,
        shapeFor: (t) => this.shapeFromInfo(t),
        isStopping: () => this.stopping,
      });
      await reader.query('COMMIT');
    } finally {
      await reader.end().catch(() => undefined);
    }
  }

  private async streamLoop(): Promise<void> {
    const c = this.config.cdc;
    let attempt = 0;
    while (!this.stopping) {
      const slot = await slotInfo(this.admin, c.slot);
      const confirmed = slot.confirmedFlushLsn ? parseLsn(slot.confirmedFlushLsn) : 0n;
      const failure = new Promise<Error>((resolve) => (this.streamFailed = resolve));
      this.tx = null;
      this.stream = new ReplicationStream(this.config.database.url, c.slot, c.publication, {
        message: (lsn, msg) => this.onMessage(lsn, msg),
        keepalive: (walEnd) => this.onKeepalive(walEnd),
        error: (e) => this.streamFailed?.(e),
      });
      try {
        await this.stream.start(0n, confirmed);
      } catch (e) {
        this.streamFailed?.(e as Error);
      }
      if (!this.streaming) {
        this.streaming = true;
        log.info('streaming changes', { slot: c.slot, from: formatLsn(confirmed) });
        this.startTimers();
        this.hooks.onStreaming?.();
      }
      const err = await failure;
      if (this.stopping) break;
      await this.stream.stop();
      if (this.writer.error) throw this.writer.error;
      attempt++;
      if (/replication slot .* is active/i.test(err.message) && attempt > 30) {
        throw new UserError(`replication slot "${c.slot}" is in use by another process`, { fix: 'stop the other capture, or give this one its own cdc.slot' });
      }
      log.warn('replication stream lost; reconnecting from the slot', { error: err.message, attempt });
      metrics.errorsTotal.inc({ stage: 'cdc' });
      await this.writer.discardPending();
      await new Promise((r) => setTimeout(r, Math.min(5000, 200 * attempt)));
    }
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    clearInterval(this.heartbeatTimer);
    clearInterval(this.lagTimer);
    try {
      await this.writer.flush();
    } catch (e) {
      log.warn('stopping with events the broker did not take; they will be sent again at the next start', { error: (e as Error).message });
    }
    this.streamFailed?.(new Error('stopped'));
    await this.stream?.stop();
    await this.writer.disconnect();
    await this.admin.end().catch(() => undefined);
  }

  // ---- streaming ---------------------------------------------------------------------------

  private async onMessage(lsn: Lsn, msg: PgoutputMessage): Promise<void> {
    switch (msg.tag) {
      case 'begin':
        this.tx = {
          xid: msg.xid,
          // The Begin message is sent at the transaction's first LSN.
          id: `${msg.xid}:${lsn}`,
          commitLsn: parseLsn(msg.commitLsn!),
          origin: null,
          originLsn: null,
          // The parser already converts PostgreSQL's epoch (2000-01-01) to Unix microseconds.
          commitTimeUs: BigInt(msg.commitTime as bigint),
          seq: 0,
          perTable: new Map(),
          begun: false,
        };
        this.oldestUnconfirmedMs ??= Date.now();
        return;
      case 'relation':
        await this.onRelation(msg);
        return;
      case 'origin':
        // Sent after Begin for a transaction that logical replication applied here.
        if (this.tx) {
          this.tx.origin = msg.originName;
          this.tx.originLsn = msg.originLsn ? parseLsn(msg.originLsn).toString() : null;
        }
        return;
      case 'insert': {
        const shape = this.shapes.get(msg.relation.relationOid)!;
        this.emit(shape, 'c', null, valuesOf(shape, msg.new), lsn);
        return;
      }
      case 'update': {
        const shape = this.shapes.get(msg.relation.relationOid)!;
        const after = valuesOf(shape, msg.new);
        const oldRow = msg.old ? valuesOf(shape, msg.old) : msg.key ? valuesOf(shape, msg.key, true) : null;
        if (oldRow && shape.keyIndex.length > 0 && shape.keyIndex.some((i) => oldRow[i] !== after[i])) {
          // A primary-key change: Debezium sends a delete of the old key, its tombstone, then a create.
          this.emit(shape, 'd', oldRow, null, lsn, { [NEW_KEY_HEADER]: keyHeaderJson(shape, after)! });
          this.emit(shape, 'c', null, after, lsn, { [OLD_KEY_HEADER]: keyHeaderJson(shape, oldRow)! });
          return;
        }
        this.emit(shape, 'u', msg.old ? oldRow : null, after, lsn);
        return;
      }
      case 'delete': {
        const shape = this.shapes.get(msg.relation.relationOid)!;
        this.emit(shape, 'd', msg.old ? valuesOf(shape, msg.old) : valuesOf(shape, msg.key!, true), null, lsn);
        return;
      }
      case 'truncate':
        if (!this.config.cdc.emitTruncates) return;
        for (const rel of msg.relations) {
          const shape = this.shapes.get(rel.relationOid);
          if (shape) this.emit(shape, 't', null, null, lsn);
        }
        return;
      case 'commit': {
        const tx = this.tx;
        this.tx = null;
        if (!tx) return;
        // Debezium's source.sequence starts with where the last commit ended.
        this.lastCommitLsn = parseLsn(msg.commitEndLsn!).toString();
        if (tx.begun && this.config.cdc.transactionTopic) this.emitTxEnd(tx);
        for (const [k, n] of this.opCounts) {
          const [table, op] = k.split('\u0000') as [string, string];
          metrics.cdcChangesTotal.inc({ table, op }, n);
        }
        this.opCounts.clear();
        this.writer.markCommit(parseLsn(msg.commitEndLsn!), Number(tx.commitTimeUs / 1000n));
        this.applyBackpressure();
        return;
      }
      default:
        return;
    }
  }

  private async onRelation(msg: Extract<PgoutputMessage, { tag: 'relation' }>): Promise<void> {
    const info = await tableInfo(this.admin, msg.relationOid);
    const byName = new Map((info?.columns ?? []).map((c) => [c.name, c]));
    // The Relation message is the truth for the columns in this part of the stream; the catalog
    // (read now) adds NOT NULL and enum labels.
    const columns: ColumnInfo[] = msg.columns.map((rc) => {
      const cat = byName.get(rc.name);
      if (cat && cat.typeOid === rc.typeOid) return cat;
      return { name: rc.name, typeOid: rc.typeOid, typmod: rc.typeMod, typeName: rc.typeName ?? String(rc.typeOid), notNull: false };
    });
    // The key is the primary key, as Debezium's: under REPLICA IDENTITY FULL the Relation message
    // flags every column as part of the identity, which is not a key.
    const shape = buildShape(msg.schema, msg.name, columns, info?.primaryKey ?? [], this.opts);
    this.warnUnknown(shape);
    this.shapes.set(msg.relationOid, shape);
    await this.writer.ensureTopic(topicFor(this.opts.prefix, msg.schema, msg.name));
    this.announce(shape);
  }

  private shapeFromInfo(t: TableInfo): TableShape {
    const shape = buildShape(t.schema, t.table, t.columns, t.primaryKey, this.opts);
    this.warnUnknown(shape);
    this.announce(shape);
    return shape;
  }

  /** Puts the shape's schemas on the schema topic before the first event that names them. */
  private announce(shape: TableShape): void {
    if (this.announced.has(shape.schemaId)) return;
    this.announced.add(shape.schemaId);
    this.writer.enqueue({ topic: schemaTopic(this.opts.prefix), key: shape.schemaId, value: schemaRecordJson(shape), position: '', noDedupe: true });
  }

  private warnUnknown(shape: TableShape): void {
    for (const col of shape.unknownColumns) {
      const k = `${shape.schema}.${shape.table}.${col}`;
      if (this.warnedUnknown.has(k)) continue;
      this.warnedUnknown.add(k);
      const type = shape.columns.find((c) => c.name === col)?.typeName;
      log.warn(`column ${k} has type "${type}", which has no Debezium mapping here; its values are sent as text`);
      metrics.cdcUnknownTypeColumnsTotal.inc({ table: `${shape.schema}.${shape.table}`, column: col });
    }
  }

  private emit(shape: TableShape, op: 'c' | 'u' | 'd' | 't', before: TextRow | null, after: TextRow | null, lsn: Lsn, headers?: Record<string, string>): void {
    const tx = this.tx!;
    const name = `${shape.schema}.${shape.table}`;
    if (!tx.begun) {
      tx.begun = true;
      if (this.config.cdc.transactionTopic) this.emitTxBegin(tx);
    }
    const seq = ++tx.seq;
    const collectionOrder = (tx.perTable.get(name) ?? 0) + 1;
    tx.perTable.set(name, collectionOrder);
    const keyRow = after ?? before;
    const key = keyRow ? keyJson(shape, keyRow, this.opts) : null;
    const value = valueJson(
      shape,
      op,
      before ? rowJson(shape, before) : null,
      after ? rowJson(shape, after) : null,
      { tsUs: tx.commitTimeUs, snapshot: 'false', lastCommitLsn: this.lastCommitLsn, lsn: lsn.toString(), txId: tx.xid, origin: tx.origin, originLsn: tx.originLsn },
      { id: tx.id, totalOrder: seq, collectionOrder },
      this.opts,
      nowMicros(),
    );
    const topic = topicFor(this.opts.prefix, shape.schema, shape.table);
    const position = positionOf(tx.commitLsn, seq);
    this.writer.enqueue({ topic, key, value, position, headers: { [SCHEMA_HEADER]: shape.schemaId, ...headers } });
    // Debezium sends the tombstone even for a table without a key, and with the delete's new-key header.
    if (op === 'd' && this.config.cdc.tombstones) {
      const newKey = headers?.[NEW_KEY_HEADER];
      this.writer.enqueue({ topic, key, value: null, position: position + 't', ...(newKey ? { headers: { [NEW_KEY_HEADER]: newKey } } : {}) });
    }
    const k = `${name}\u0000${op}`;
    this.opCounts.set(k, (this.opCounts.get(k) ?? 0) + 1);
    // Checked per event: one transaction can be millions of rows, all decoded before its commit.
    if (this.writer.buffered > this.config.cdc.maxBufferedMessages) this.applyBackpressure();
  }

  private emitTxBegin(tx: OpenTx): void {
    const { key, value } = transactionRecordJson('BEGIN', tx.id, tx.commitTimeUs / 1000n, null, this.opts);
    this.writer.enqueue({ topic: transactionTopic(this.opts.prefix), key, value, position: positionOf(tx.commitLsn, 0) });
  }

  private emitTxEnd(tx: OpenTx): void {
    const { key, value } = transactionRecordJson('END', tx.id, tx.commitTimeUs / 1000n, tx.perTable, this.opts);
    this.writer.enqueue({ topic: transactionTopic(this.opts.prefix), key, value, position: positionOf(tx.commitLsn, tx.seq + 1) });
  }

  private backpressureTimer: NodeJS.Timeout | undefined;

  /** Stops reading the slot while the broker is behind, until half the buffer has drained. */
  private applyBackpressure(): void {
    if (this.backpressureTimer || this.writer.buffered <= this.config.cdc.maxBufferedMessages) return;
    this.stream?.pause();
    this.backpressureTimer = setInterval(() => {
      if (this.writer.buffered < this.config.cdc.maxBufferedMessages / 2 || this.stopping) {
        clearInterval(this.backpressureTimer);
        this.backpressureTimer = undefined;
        this.stream?.resume();
      }
    }, 5);
  }

  private onDurable(lsn: Lsn, commitTimesMs: number[]): void {
    this.stream?.confirm(lsn);
    const now = Date.now();
    for (const t of commitTimesMs) metrics.cdcCommitToBrokerSeconds.observe(Math.max(0, now - t) / 1000);
    this.hooks.onDurable?.(commitTimesMs, now);
    this.oldestUnconfirmedMs = this.tx || !this.writer.idle ? now : undefined;
  }

  private onKeepalive(walEnd: Lsn): void {
    // Everything before walEnd has been received and handled; if nothing waits for the broker,
    // the slot can move there (a quiet database, or changes only in tables not published).
    if (this.tx === null && this.writer.idle) this.stream?.confirm(walEnd);
  }

  private startTimers(): void {
    const c = this.config.cdc;
    if (c.heartbeatIntervalMs > 0) {
      this.heartbeatTimer = setInterval(() => void this.heartbeat(), c.heartbeatIntervalMs);
      this.heartbeatTimer.unref();
    }
    this.lagTimer = setInterval(() => void this.measureLag(), 5000);
    this.lagTimer.unref();
  }

  private async heartbeat(): Promise<void> {
    const c = this.config.cdc;
    try {
      if (c.heartbeatActionQuery) await this.admin.query(c.heartbeatActionQuery);
      const prefix = JSON.stringify(this.opts.prefix);
      this.writer.enqueue({ topic: heartbeatTopic(this.opts.prefix), key: `{"serverName":${prefix}}`, value: `{"ts_ms":${Date.now()}}`, position: '', noDedupe: true });
    } catch (e) {
      log.warn('heartbeat failed', { error: (e as Error).message });
    }
  }

  private async measureLag(): Promise<void> {
    try {
      const { rows } = await this.admin.query<{ lag: string | null }>(
        'select (pg_current_wal_lsn() - confirmed_flush_lsn)::text as lag from pg_replication_slots where slot_name = $1',
        [this.config.cdc.slot],
      );
      if (rows[0]?.lag) metrics.cdcSlotLagBytes.set({ slot: this.config.cdc.slot }, Number(rows[0].lag));
      const age = this.oldestUnconfirmedMs ? (Date.now() - this.oldestUnconfirmedMs) / 1000 : 0;
      metrics.cdcSlotLagSeconds.set({ slot: this.config.cdc.slot }, age);
      metrics.cdcDuplicatesSkippedTotal.inc(this.writer.skippedDuplicates - (this.reportedSkips ?? 0));
      this.reportedSkips = this.writer.skippedDuplicates;
    } catch {
      // Lag is informational; the next tick tries again.
    }
  }
  private reportedSkips: number | undefined;
}

/**
 * A tuple's values in the shape's column order. In a full tuple a missing value is an unchanged
 * TOASTed one; in a key-only tuple (a delete or key change under REPLICA IDENTITY DEFAULT) the
 * other columns were simply not sent, and Debezium reports them as null.
 */
function valuesOf(shape: TableShape, tuple: Record<string, unknown>, keyOnly = false): TextRow {
  const out: TextRow = new Array(shape.columns.length);
  for (let i = 0; i < shape.columns.length; i++) {
    const v = tuple[shape.columns[i]!.name] as string | null | undefined;
    out[i] = keyOnly && v === undefined ? null : v;
  }
  return out;
}

function safeDbName(url: string): string {
  try {
    return decodeURIComponent(new URL(url).pathname.replace(/^\//, '')) || 'postgres';
  } catch {
    return 'postgres';
  }
}
