// One change event to one bronze row: the source row's columns, typed (columns.ts), plus the
// change's metadata. A delete keeps its before image; a truncate has no row, only metadata. The
// row is what a user queries to audit the change log, so every field says where the change came
// from (LSN, transaction, commit time) and where it was read (topic, partition, offset).

import type { ChangeEvent, ConnectSchema, SchemaRecord } from '../../contracts/change-event.js';
import { UNAVAILABLE } from '../../contracts/decode.js';
import type { ColumnSpec } from '../kernel/schema.js';
import type { Row } from '../kernel/values.js';
import { sameType, sourceColumns, type SourceColumn } from './columns.js';

/** Metadata columns of every bronze table, after the source columns. */
export const BRONZE_METADATA: ColumnSpec[] = [
  { name: '_op', type: 'string', nullable: false },
  { name: '_lsn', type: 'long' },
  { name: '_tx_id', type: 'long' },
  { name: '_source_ts', type: 'timestamp' },
  { name: '_snapshot', type: 'boolean' },
  { name: '_position', type: 'string' },
  { name: '_toasted', type: { type: 'array', elementType: 'string', containsNull: false } },
  { name: '_ingested_at', type: 'timestamp', nullable: false },
  { name: '_topic', type: 'string', nullable: false },
  { name: '_partition', type: 'integer', nullable: false },
  { name: '_offset', type: 'long', nullable: false },
  { name: '_ingest_date', type: 'date', nullable: false },
];
export const BRONZE_PARTITION = '_ingest_date';
/** Table property of bronze tables: the source's primary key columns, a JSON array. */
export const PRIMARY_KEY_PROPERTY = 'lakehouse.primaryKey';
const METADATA_NAMES = new Set(BRONZE_METADATA.map((c) => c.name.toLowerCase()));

/** A table's shape as one schema record gives it: its source columns and key. */
export class TableShape {
  readonly columns: SourceColumn[];
  readonly keyColumns: string[];

  constructor(
    readonly table: string,
    rowSchema: ConnectSchema,
    keySchema: ConnectSchema | undefined,
  ) {
    this.columns = sourceColumns(rowSchema);
    this.keyColumns = (keySchema?.fields ?? []).map((f) => f.field!).filter(Boolean);
  }

  static fromRecord(rec: SchemaRecord): TableShape {
    const row = rec.value.fields?.find((f) => f.field === 'after') ?? rec.value.fields?.find((f) => f.field === 'before');
    return new TableShape(rec.table, row ?? { type: 'struct', optional: true, fields: [] }, rec.key);
  }

  /** Source columns named like bronze's metadata columns, which the table cannot hold. */
  clashes(): string[] {
    return this.columns.map((c) => c.spec.name).filter((n) => METADATA_NAMES.has(n.toLowerCase()));
  }

  specs(): ColumnSpec[] {
    return [...this.columns.map((c) => c.spec), ...BRONZE_METADATA];
  }

  /**
   * Columns of this shape that a table with `existing` columns lacks (to add, nullable), and
   * columns whose type differs (which Delta cannot change in place).
   */
  diff(existing: Map<string, ColumnSpec['type']>): { added: ColumnSpec[]; changed: Array<{ name: string; from: ColumnSpec['type']; to: ColumnSpec['type'] }> } {
    const added: ColumnSpec[] = [];
    const changed: Array<{ name: string; from: ColumnSpec['type']; to: ColumnSpec['type'] }> = [];
    for (const c of this.columns) {
      const have = existing.get(c.spec.name);
      if (have === undefined) added.push({ ...c.spec, nullable: true });
      else if (!sameType(have, c.spec.type)) changed.push({ name: c.spec.name, from: have, to: c.spec.type });
    }
    return { added, changed };
  }
}

export interface MessageMeta {
  topic: string;
  partition: number;
  offset: string;
  position: string | undefined;
  ingestedAt: Date;
}

/** The bronze row of one change event. */
export function bronzeRow(shape: TableShape, event: ChangeEvent, meta: MessageMeta): Row {
  const image = event.op === 'd' ? event.before : event.op === 't' ? null : event.after;
  const row: Row = {};
  let toasted: string[] | null = null;
  for (const col of shape.columns) {
    const raw = image ? image[col.spec.name] : null;
    const v = col.convert(raw);
    if (v === UNAVAILABLE) {
      (toasted ??= []).push(col.spec.name);
      row[col.spec.name] = null;
    } else {
      row[col.spec.name] = v;
    }
  }
  const src = event.source;
  row._op = event.op;
  row._lsn = optionalBigInt(src?.lsn);
  row._tx_id = optionalBigInt(src?.txId);
  row._source_ts = src?.ts_us !== undefined && src?.ts_us !== null ? BigInt(src.ts_us as unknown as string) : src?.ts_ms !== undefined ? new Date(Number(src.ts_ms)) : null;
  row._snapshot = src?.snapshot !== undefined ? src.snapshot !== 'false' : null;
  row._position = meta.position ?? null;
  row._toasted = toasted;
  row._ingested_at = meta.ingestedAt;
  row._topic = meta.topic;
  row._partition = meta.partition;
  row._offset = BigInt(meta.offset);
  row._ingest_date = meta.ingestedAt.toISOString().slice(0, 10);
  return row;
}

function optionalBigInt(v: unknown): bigint | null {
  if (v === null || v === undefined || v === '') return null;
  try {
    return BigInt(v as string | number);
  } catch {
    return null;
  }
}
