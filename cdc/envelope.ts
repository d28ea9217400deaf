// The envelope builder: turns one decoded change into the Debezium key and value JSON. Hot path:
// the JSON is assembled from tokens the column codecs produce, and each table's Connect schemas
// are serialised once, when its shape is first seen or changes.

import { createHash } from 'node:crypto';
import type { ConnectSchema, Op, SnapshotMarker } from '../contracts/change-event.js';
import { columnCodec, type ColumnCodec, type ColumnInfo, type DecimalHandling } from './type-mapping.js';

export const CONNECTOR_VERSION = '0.1.0';

export interface EnvelopeOptions {
  prefix: string;
  database: string;
  decimalHandling: DecimalHandling;
  schemasEnable: boolean;
}

/** A table as the envelope sees it: columns in stream order, codecs, key, cached schema JSON. */
export interface TableShape {
  schema: string;
  table: string;
  columns: ColumnInfo[];
  codecs: ColumnCodec[];
  /** Indexes into columns of the key columns, in key order; empty for a table with no key. */
  keyIndex: number[];
  /** Names of columns whose type is not mapped (passed as text). */
  unknownColumns: string[];
  /** The key's Connect schema as JSON; "null" for a table without a primary key (null keys). */
  keySchemaJson: string;
  envelopeSchemaJson: string;
  /** Content hash of both schemas: the key of the table's record on the schema topic. */
  schemaId: string;
}

export function buildShape(schema: string, table: string, columns: ColumnInfo[], keyColumns: string[], opts: EnvelopeOptions): TableShape {
  const codecs = columns.map((c) => columnCodec(c, opts.decimalHandling));
  const keyIndex = keyColumns.map((k) => columns.findIndex((c) => c.name === k)).filter((i) => i >= 0);
  const base = `${opts.prefix}.${schema}.${table}`;
  const valueStruct = (field: string): ConnectSchema => ({ type: 'struct', fields: codecs.map((c) => c.schema), optional: true, name: `${base}.Value`, field });
  // Debezium keys a table by its primary key and gives a table without one null keys.
  const keySchema: ConnectSchema | null = keyIndex.length
    ? { type: 'struct', fields: keyIndex.map((i) => ({ ...codecs[i]!.schema, optional: false })), optional: false, name: `${base}.Key` }
    : null;
  const envelope: ConnectSchema = {
    type: 'struct',
    fields: [
      valueStruct('before'),
      valueStruct('after'),
      SOURCE_SCHEMA,
      TRANSACTION_SCHEMA,
      { type: 'string', optional: false, field: 'op' },
      { type: 'int64', optional: true, field: 'ts_ms' },
      { type: 'int64', optional: true, field: 'ts_us' },
      { type: 'int64', optional: true, field: 'ts_ns' },
    ],
    optional: false,
    name: `${base}.Envelope`,
    version: 2,
  };
  return {
    schema,
    table,
    columns,
    codecs,
    keyIndex,
    unknownColumns: columns.filter((_, i) => codecs[i]!.unknown).map((c) => c.name),
    keySchemaJson: JSON.stringify(keySchema),
    envelopeSchemaJson: JSON.stringify(envelope),
    schemaId: createHash('sha256').update(JSON.stringify([keySchema, envelope])).digest('hex').slice(0, 20),
  };
}

const SOURCE_SCHEMA: ConnectSchema = {
  type: 'struct',
  fields: [
    { type: 'string', optional: false, field: 'version' },
    { type: 'string', optional: false, field: 'connector' },
    { type: 'string', optional: false, field: 'name' },
    { type: 'int64', optional: false, field: 'ts_ms' },
    { type: 'string', optional: true, name: 'io.debezium.data.Enum', version: 1, parameters: { allowed: 'true,first,first_in_data_collection,last_in_data_collection,last,false,incremental' }, default: 'false', field: 'snapshot' },
    { type: 'string', optional: false, field: 'db' },
    { type: 'string', optional: true, field: 'sequence' },
    { type: 'int64', optional: true, field: 'ts_us' },
    { type: 'int64', optional: true, field: 'ts_ns' },
    { type: 'string', optional: false, field: 'schema' },
    { type: 'string', optional: false, field: 'table' },
    { type: 'int64', optional: true, field: 'txId' },
    { type: 'int64', optional: true, field: 'lsn' },
    { type: 'int64', optional: true, field: 'xmin' },
    { type: 'string', optional: true, field: 'origin' },
    { type: 'int64', optional: true, field: 'origin_lsn' },
  ],
  optional: false,
  name: 'io.debezium.connector.postgresql.Source',
  version: 1,
  field: 'source',
};

const TRANSACTION_SCHEMA: ConnectSchema = {
  type: 'struct',
  fields: [
    { type: 'string', optional: false, field: 'id' },
    { type: 'int64', optional: false, field: 'total_order' },
    { type: 'int64', optional: false, field: 'data_collection_order' },
  ],
  optional: true,
  name: 'event.block',
  version: 1,
  field: 'transaction',
};

/** Column values in stream order, in PostgreSQL text form (null, or undefined for unchanged TOAST). */
export type TextRow = (string | null | undefined)[];

export function rowJson(shape: TableShape, values: TextRow): string {
  let out = '{';
  for (let i = 0; i < shape.codecs.length; i++) {
    if (i > 0) out += ',';
    out += JSON.stringify(shape.columns[i]!.name) + ':' + shape.codecs[i]!.encode(values[i]);
  }
  return out + '}';
}

function keyPayload(shape: TableShape, values: TextRow): string {
  let payload = '{';
  for (let j = 0; j < shape.keyIndex.length; j++) {
    const i = shape.keyIndex[j]!;
    if (j > 0) payload += ',';
    payload += JSON.stringify(shape.columns[i]!.name) + ':' + shape.codecs[i]!.encode(values[i]);
  }
  return payload + '}';
}

/** Key JSON, or null for a table without a key (its messages then have no key). */
export function keyJson(shape: TableShape, values: TextRow, opts: EnvelopeOptions): string | null {
  if (shape.keyIndex.length === 0) return null;
  const payload = keyPayload(shape, values);
  return opts.schemasEnable ? `{"schema":${shape.keySchemaJson},"payload":${payload}}` : payload;
}

/**
 * A key as the value of a `__debezium.newkey`/`oldkey` header: always `{schema, payload}`, as
 * Debezium's header converter writes it whether or not keys and values carry schemas.
 */
export function keyHeaderJson(shape: TableShape, values: TextRow): string | null {
  if (shape.keyIndex.length === 0) return null;
  return `{"schema":${shape.keySchemaJson},"payload":${keyPayload(shape, values)}}`;
}

export interface SourceFields {
  /** Commit time in microseconds since the epoch (snapshot: read time). */
  tsUs: bigint;
  snapshot: SnapshotMarker;
  /** Numeric LSN strings: where the previous transaction's commit ended, and this change. */
  lastCommitLsn: string | null;
  lsn: string | null;
  txId: number | null;
  /** The transaction's replication origin and its LSN there, when it has one. */
  origin?: string | null;
  originLsn?: string | null;
}

export interface TransactionFields {
  id: string;
  totalOrder: number;
  collectionOrder: number;
}

export function valueJson(
  shape: TableShape,
  op: Op,
  before: string | null,
  after: string | null,
  src: SourceFields,
  tx: TransactionFields | null,
  opts: EnvelopeOptions,
  nowUs: bigint,
): string {
  const tsMs = src.tsUs / 1000n;
  const sequence = JSON.stringify(JSON.stringify([src.lastCommitLsn, src.lsn]));
  const source =
    `{"version":"${CONNECTOR_VERSION}","connector":"postgresql","name":${JSON.stringify(opts.prefix)},"ts_ms":${tsMs},` +
    `"snapshot":"${src.snapshot}","db":${JSON.stringify(opts.database)},"sequence":${sequence},"ts_us":${src.tsUs},"ts_ns":${src.tsUs * 1000n},` +
    `"schema":${JSON.stringify(shape.schema)},"table":${JSON.stringify(shape.table)},"txId":${src.txId ?? 'null'},"lsn":${src.lsn ?? 'null'},"xmin":null,` +
    `"origin":${src.origin ? JSON.stringify(src.origin) : 'null'},"origin_lsn":${src.originLsn ?? 'null'}}`;
  const transaction = tx ? `{"id":${JSON.stringify(tx.id)},"total_order":${tx.totalOrder},"data_collection_order":${tx.collectionOrder}}` : 'null';
  const payload =
    `{"before":${before ?? 'null'},"after":${after ?? 'null'},"source":${source},"transaction":${transaction},"op":"${op}",` +
    `"ts_ms":${nowUs / 1000n},"ts_us":${nowUs},"ts_ns":${nowUs * 1000n}}`;
  return opts.schemasEnable ? `{"schema":${shape.envelopeSchemaJson},"payload":${payload}}` : payload;
}

// The transaction topic's Connect schemas, Debezium's (io.debezium.connector.common.*).
const TX_KEY_SCHEMA_JSON = JSON.stringify({
  type: 'struct',
  fields: [{ type: 'string', optional: false, field: 'id' }],
  optional: false,
  name: 'io.debezium.connector.common.TransactionMetadataKey',
  version: 1,
} satisfies ConnectSchema);
const TX_VALUE_SCHEMA_JSON = JSON.stringify({
  type: 'struct',
  fields: [
    { type: 'string', optional: false, field: 'status' },
    { type: 'string', optional: false, field: 'id' },
    { type: 'int64', optional: true, field: 'event_count' },
    {
      type: 'array',
      items: {
        type: 'struct',
        fields: [
          { type: 'string', optional: false, field: 'data_collection' },
          { type: 'int64', optional: false, field: 'event_count' },
        ],
        optional: true,
        name: 'event.collection',
        version: 1,
      },
      optional: true,
      field: 'data_collections',
    },
    { type: 'int64', optional: false, field: 'ts_ms' },
  ],
  optional: false,
  name: 'io.debezium.connector.common.TransactionMetadataValue',
  version: 1,
} satisfies ConnectSchema);

/** Key and value of a BEGIN or END record on the transaction topic. */
export function transactionRecordJson(
  status: 'BEGIN' | 'END',
  id: string,
  commitTimeMs: bigint,
  collections: Map<string, number> | null,
  opts: EnvelopeOptions,
): { key: string; value: string } {
  const idJson = JSON.stringify(id);
  let value: string;
  if (collections === null) {
    value = `{"status":"${status}","id":${idJson},"event_count":null,"data_collections":null,"ts_ms":${commitTimeMs}}`;
  } else {
    let total = 0;
    const list = [...collections].map(([name, n]) => ((total += n), `{"data_collection":${JSON.stringify(name)},"event_count":${n}}`)).join(',');
    value = `{"status":"${status}","id":${idJson},"event_count":${total},"data_collections":[${list}],"ts_ms":${commitTimeMs}}`;
  }
  const key = `{"id":${idJson}}`;
  if (!opts.schemasEnable) return { key, value };
  return { key: `{"schema":${TX_KEY_SCHEMA_JSON},"payload":${key}}`, value: `{"schema":${TX_VALUE_SCHEMA_JSON},"payload":${value}}` };
}

/** The schema topic record announcing a shape. */
export function schemaRecordJson(shape: TableShape): string {
  return `{"table":${JSON.stringify(`${shape.schema}.${shape.table}`)},"key":${shape.keySchemaJson},"value":${shape.envelopeSchemaJson}}`;
}

export function nowMicros(): bigint {
  return BigInt(Date.now()) * 1000n;
}
