// The initial snapshot: every published table read in primary-key chunks inside one
// REPEATABLE READ transaction (on the slot's exported snapshot when the slot was just created),
// sent as op "r" events. After each chunk the broker is flushed and the last key saved, so a
// crash resumes after the last chunk the broker holds; rows that changed in between also arrive
// from the slot's stream, which starts at the snapshot's consistent point.

import pg from 'pg';
import type { SnapshotMarker } from '../contracts/change-event.js';
import { SCHEMA_HEADER, topicFor } from '../contracts/change-event.js';
import { progress } from '../common/progress.js';
import * as metrics from '../monitoring/metrics.js';
import type { BrokerWriter } from './broker-writer.js';
import type { TableInfo } from './catalog.js';
import { keyJson, nowMicros, rowJson, valueJson, type EnvelopeOptions, type TableShape, type TextRow } from './envelope.js';
import { parseLsn, positionOf } from './lsn.js';
import type { CaptureState } from './setup.js';

const q = pg.escapeIdentifier;

export interface SnapshotContext {
  client: pg.Client;
  tables: TableInfo[];
  state: CaptureState;
  save(): Promise<void>;
  writer: BrokerWriter;
  opts: EnvelopeOptions;
  chunkSize: number;
  shapeFor(t: TableInfo): TableShape;
  isStopping(): boolean;
}

interface Held {
  shape: TableShape;
  row: TextRow;
  firstOverall: boolean;
  firstInTable: boolean;
  lastInTable: boolean;
  keyText: string[];
}

export async function runSnapshot(ctx: SnapshotContext): Promise<void> {
  const snap = ctx.state.snapshot!;
  const lsn = parseLsn(snap.lsn);
  const lsnText = lsn.toString();
  const total = await estimateRows(ctx.client, ctx.tables);
  const bar = progress('snapshot', total);
  let sent = Object.values(snap.tables).reduce((n, t) => n + t.rows, 0);
  let held: Held | undefined;
  const lastEmittedKey = new Map<string, string[]>();
  const finished = new Set<string>();

  const emit = (h: Held, marker: SnapshotMarker) => {
    const tsUs = nowMicros();
    const seq = ++snap.seq;
    ctx.writer.enqueue({
      topic: topicFor(ctx.opts.prefix, h.shape.schema, h.shape.table),
      key: keyJson(h.shape, h.row, ctx.opts),
      value: valueJson(h.shape, 'r', null, rowJson(h.shape, h.row), { tsUs, snapshot: marker, lastCommitLsn: null, lsn: lsnText, txId: null }, null, ctx.opts, tsUs),
      position: positionOf(lsn, seq),
      headers: { [SCHEMA_HEADER]: h.shape.schemaId },
    });
    const name = `${h.shape.schema}.${h.shape.table}`;
    lastEmittedKey.set(name, h.keyText);
    if (h.lastInTable) finished.add(name);
  };
  // What the broker holds is what a restart resumes after.
  const checkpoint = async () => {
    await ctx.writer.flush();
    for (const [n, k] of lastEmittedKey) snap.tables[n]!.lastKey = k;
    for (const n of finished) snap.tables[n]!.done = true;
    finished.clear();
    await ctx.save();
  };
  const release = (next: Held | undefined) => {
    if (held) emit(held, markerOf(held, next === undefined));
    held = next;
  };

  const ordered = [...ctx.tables].sort((a, b) => `${a.schema}.${a.table}`.localeCompare(`${b.schema}.${b.table}`));
  for (const t of ordered) {
    const name = `${t.schema}.${t.table}`;
    const st = (snap.tables[name] ??= { done: false, lastKey: null, rows: 0 });
    if (st.done) continue;
    const shape = ctx.shapeFor(t);
    await ctx.writer.ensureTopic(topicFor(ctx.opts.prefix, t.schema, t.table));
    const cols = shape.columns.map((c) => q(c.name)).join(', ');
    const pk = t.primaryKey.length ? t.primaryKey : [];
    const pkIdx = pk.map((k) => shape.columns.findIndex((c) => c.name === k));
    const from = `${q(t.schema)}.${q(t.table)}`;
    let first = true;
    for (;;) {
      if (ctx.isStopping()) return;
      let rows: string[][];
      if (pk.length) {
        const where = st.lastKey ? `where (${pk.map(q).join(', ')}) > (${pk.map((_, i) => `$${i + 1}`).join(', ')})` : '';
        const res = await ctx.client.query({ text: `select ${cols} from ${from} ${where} order by ${pk.map(q).join(', ')} limit ${ctx.chunkSize}`, values: st.lastKey ?? [], rowMode: 'array' });
        rows = res.rows as string[][];
      } else {
        // REPLICA IDENTITY FULL without a key: read the table whole (not resumable mid-table).
        const res = await ctx.client.query({ text: `select ${cols} from ${from}`, rowMode: 'array' });
        rows = res.rows as string[][];
      }
      for (const r of rows) {
        const keyText = pkIdx.map((i) => r[i]!);
        release({ shape, row: r, firstOverall: snap.seq === 0 && held === undefined, firstInTable: first, lastInTable: false, keyText });
        first = false;
      }
      const last = rows.length < ctx.chunkSize || !pk.length;
      if (last && held && held.shape === shape) held.lastInTable = true;
      if (last && first) st.done = true; // empty table
      st.rows += rows.length;
      sent += rows.length;
      metrics.cdcSnapshotRowsTotal.inc({ table: name }, rows.length);
      await checkpoint();
      bar.update(sent, name);
      if (last) break;
      // The next chunk starts after the last row read (the held one included).
      st.lastKey = pkIdx.map((i) => rows[rows.length - 1]![i]!);
    }
    // The table's last row is still held; it is sent (and the table marked done) with the next one.
  }
  release(undefined);
  await checkpoint();
  snap.status = 'done';
  await ctx.save();
  bar.finish(`${sent.toLocaleString('en')} rows from ${ctx.tables.length} tables`);
}

/** Debezium's precedence: a table's only row is its last one, unless it is the snapshot's first. */
function markerOf(h: Held, lastOverall: boolean): SnapshotMarker {
  if (lastOverall) return 'last';
  if (h.firstOverall) return 'first';
  if (h.lastInTable) return 'last_in_data_collection';
  if (h.firstInTable) return 'first_in_data_collection';
  return 'true';
}

async function estimateRows(client: pg.Client, tables: TableInfo[]): Promise<number | undefined> {
  if (tables.length === 0) return 0;
  const { rows } = await client.query<{ n: string }>('select coalesce(sum(greatest(reltuples, 0)), 0)::bigint::text as n from pg_class where oid = any($1::oid[])', [
    `{${tables.map((t) => t.oid).join(',')}}`,
  ]);
  const n = Number(rows[0]?.n ?? 0);
  return n > 0 ? n : undefined;
}
