// The logical replication stream, read with pg's replication protocol and decoded by
// pg-logical-replication's pgoutput parser. The stream itself is driven here rather than by the
// library's LogicalReplicationService, because that service loses data in three ways
// (../shared/CDC-NOTES.md and docs/cdc.md): it acknowledges before an async handler finished,
// its keepalive timer confirms LSNs nobody acknowledged, and it confirms lsn+1, which lets the
// server skip a transaction whose commit record starts exactly where the confirmed one ended.
// Here the server only ever hears the LSN the capture says the broker holds.

import pg from 'pg';
import { PgoutputParser } from 'pg-logical-replication/dist/output-plugins/pgoutput/pgoutput-parser.js';
import type { Pgoutput } from 'pg-logical-replication';
import { SESSION_OPTIONS } from './catalog.js';
import { parseLsn, type Lsn } from './lsn.js';

export type PgoutputMessage = Pgoutput.Message;

export interface StreamHandlers {
  /** Called for each decoded message, one at a time, in stream order; may be async. */
  message(walStart: Lsn, msg: PgoutputMessage): void | Promise<void>;
  /** Server keepalive: the position the server has sent up to. */
  keepalive(walEnd: Lsn): void;
  error(err: Error): void;
}

const PG_EPOCH_MS = 946684800000;
const QUEUE_HIGH = 2000;

export class ReplicationStream {
  private client: pg.Client | undefined;
  private parser = new PgoutputParser();
  private queue: { lsn: Lsn; msg: PgoutputMessage }[] = [];
  private draining = false;
  private paused = false;
  private externallyPaused = false;
  private statusTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Highest LSN received (reported as "written"). */
  private received: Lsn = 0n;
  /** Highest LSN the broker holds (reported as "flushed": the slot moves to it). */
  private confirmed: Lsn = 0n;

  constructor(
    private readonly url: string,
    private readonly slot: string,
    private readonly publication: string,
    private readonly handlers: StreamHandlers,
  ) {}

  async start(startLsn: Lsn, confirmed: Lsn): Promise<void> {
    this.confirmed = confirmed;
    const client = new pg.Client({ connectionString: this.url, replication: 'database', options: SESSION_OPTIONS, application_name: 'lakehouse-cdc' } as pg.ClientConfig);
    this.client = client;
    client.on('error', (e) => this.fail(e));
    await client.connect();
    const connection = (client as unknown as { connection: ReplicationConnection }).connection;
    connection.on('copyData', ({ chunk }: { chunk: Buffer }) => this.onCopyData(chunk));
    const start = `${(startLsn >> 32n).toString(16)}/${(startLsn & 0xffffffffn).toString(16)}`;
    const pub = this.publication.replace(/'/g, "''").replace(/"/g, '""');
    const sql = `START_REPLICATION SLOT ${pg.escapeIdentifier(this.slot)} LOGICAL ${start} (proto_version '1', publication_names '"${pub}"')`;
    // The query only settles when replication ends; errors (slot in use, bad publication) reject it.
    client.query(sql).then(
      () => this.fail(new Error('the replication stream ended')),
      (e: Error) => this.fail(e),
    );
    this.statusTimer = setInterval(() => this.sendStatus(false), 1000);
  }

  /** The broker holds everything up to this LSN: the slot may move there. */
  confirm(lsn: Lsn): void {
    if (lsn > this.confirmed) {
      this.confirmed = lsn;
      this.sendStatus(false);
    }
  }

  confirmedLsn(): Lsn {
    return this.confirmed;
  }

  /** Stops reading from the server until resume() (backpressure from the broker side). */
  pause(): void {
    this.externallyPaused = true;
    this.setPaused(true);
  }

  resume(): void {
    this.externallyPaused = false;
    if (this.queue.length < QUEUE_HIGH) this.setPaused(false);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.statusTimer);
    this.sendStatus(false);
    const client = this.client;
    this.client = undefined;
    if (client) await client.end().catch(() => undefined);
  }

  private fail(e: Error): void {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.statusTimer);
    this.handlers.error(e);
  }

  private onCopyData(chunk: Buffer): void {
    const kind = chunk[0];
    if (kind === 0x77) {
      // XLogData: 'w', dataStart(8), walEnd(8), sendTime(8), payload
      const lsn = chunk.readBigUInt64BE(1);
      if (lsn > this.received) this.received = lsn;
      let msg: PgoutputMessage;
      try {
        msg = this.parser.parse(chunk.subarray(25));
      } catch (e) {
        this.fail(new Error(`could not decode a pgoutput message at ${lsn}: ${(e as Error).message}`));
        return;
      }
      if (msg.tag === 'relation') {
        // Values must stay in text form: the parser's default is pg's global type parsers.
        for (const c of msg.columns) c.parser = (raw: unknown) => raw;
      }
      this.queue.push({ lsn, msg });
      if (this.queue.length >= QUEUE_HIGH) this.setPaused(true);
      void this.drain();
    } else if (kind === 0x6b) {
      // Keepalive: 'k', walEnd(8), sendTime(8), replyRequested(1)
      const walEnd = chunk.readBigUInt64BE(1);
      const reply = chunk[17] === 1;
      if (walEnd > this.received) this.received = walEnd;
      // Only once every message before it has been handled may the keepalive move anything.
      if (this.queue.length === 0 && !this.draining) this.handlers.keepalive(walEnd);
      if (reply) this.sendStatus(false);
    }
  }

  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.queue.length > 0 && !this.stopped) {
        const { lsn, msg } = this.queue.shift()!;
        const r = this.handlers.message(lsn, msg);
        if (r) await r;
        if (this.queue.length < QUEUE_HIGH / 2 && !this.externallyPaused) this.setPaused(false);
      }
    } catch (e) {
      this.fail(e as Error);
    } finally {
      this.draining = false;
    }
  }

  private setPaused(p: boolean): void {
    if (p === this.paused) return;
    this.paused = p;
    const stream = (this.client as unknown as { connection?: ReplicationConnection } | undefined)?.connection?.stream;
    if (p) stream?.pause();
    else stream?.resume();
  }

  /** Standby status update: written = received, flushed = applied = confirmed (never more). */
  private sendStatus(ping: boolean): void {
    const connection = (this.client as unknown as { connection?: ReplicationConnection } | undefined)?.connection;
    if (!connection) return;
    const buf = Buffer.alloc(34);
    buf[0] = 0x72; // 'r'
    buf.writeBigUInt64BE(this.received > this.confirmed ? this.received : this.confirmed, 1);
    buf.writeBigUInt64BE(this.confirmed, 9);
    buf.writeBigUInt64BE(this.confirmed, 17);
    buf.writeBigInt64BE(BigInt(Date.now() - PG_EPOCH_MS) * 1000n, 25);
    buf[33] = ping ? 1 : 0;
    try {
      connection.sendCopyFromChunk(buf);
    } catch {
      // The connection is going away; the error handler reports it.
    }
  }
}

interface ReplicationConnection {
  on(event: 'copyData', cb: (m: { chunk: Buffer }) => void): void;
  sendCopyFromChunk(buf: Buffer): void;
  stream: { pause(): void; resume(): void };
}

export function lsnOf(text: string | null | undefined): Lsn | null {
  return text ? parseLsn(text) : null;
}
