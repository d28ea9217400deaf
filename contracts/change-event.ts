// The change event: the Debezium PostgreSQL connector's envelope, defined once here and imported
// by the capture (which writes it) and every consumer (bronze, silver, notifier, quality).
// See docs/cdc.md for real examples and the places where the product differs from Debezium.

/** c create, u update, d delete, r read (snapshot), t truncate, m message. */
export type Op = 'c' | 'u' | 'd' | 'r' | 't' | 'm';

export type SnapshotMarker = 'true' | 'first' | 'first_in_data_collection' | 'last_in_data_collection' | 'last' | 'false' | 'incremental';

export interface SourceInfo {
  version: string;
  connector: 'postgresql';
  /** The topic prefix (Debezium's topic.prefix). */
  name: string;
  /** Commit time of the transaction (snapshot: time the row was read). */
  ts_ms: number;
  ts_us: number;
  ts_ns: number;
  snapshot: SnapshotMarker;
  db: string;
  /** JSON array in a string: ["<LSN of the last committed transaction>", "<LSN of this change>"]. */
  sequence: string;
  schema: string;
  table: string;
  txId: number | null;
  /** LSN of this change as a number (Debezium writes it as int64). */
  lsn: number | null;
  xmin: number | null;
  /** Replication origin of the transaction (set when it was applied by logical replication). */
  origin: string | null;
  /** The LSN of the transaction on its origin server. */
  origin_lsn: number | null;
}

export interface TransactionBlock {
  /** "<txId>:<commit LSN>" as Debezium writes it. */
  id: string;
  /** Position of the event among all events of its transaction, from 1. */
  total_order: number;
  /** Position among the events of the same table in the transaction, from 1. */
  data_collection_order: number;
}

export type Row = Record<string, unknown>;

/** In Debezium's field order (the order of the envelope schema's fields). */
export interface ChangeEvent {
  before: Row | null;
  after: Row | null;
  source: SourceInfo;
  transaction: TransactionBlock | null;
  op: Op;
  ts_ms: number;
  ts_us: number;
  ts_ns: number;
}

/** A record of the transaction topic `<prefix>.transaction` (Debezium's transaction metadata). */
export interface TransactionRecord {
  status: 'BEGIN' | 'END';
  /** The transaction block's id of the transaction's events. */
  id: string;
  /** END: events of the transaction; BEGIN: null. */
  event_count: number | null;
  data_collections: { data_collection: string; event_count: number }[] | null;
  /** Commit time. */
  ts_ms: number;
}

/**
 * Kafka Connect schema (JsonConverter schemas.enable=true form). The capture writes `float` and
 * `double`, Kafka Connect's names; `float32`/`float64` are read too, as this product wrote them
 * before (JsonConverter rejects those).
 */
export interface ConnectSchema {
  type: 'int8' | 'int16' | 'int32' | 'int64' | 'float' | 'double' | 'float32' | 'float64' | 'boolean' | 'string' | 'bytes' | 'array' | 'map' | 'struct';
  optional: boolean;
  doc?: string;
  field?: string;
  name?: string;
  version?: number;
  parameters?: Record<string, string>;
  default?: unknown;
  fields?: ConnectSchema[];
  items?: ConnectSchema;
  keys?: ConnectSchema;
  values?: ConnectSchema;
}

export interface WithSchema<T> {
  schema: ConnectSchema;
  payload: T;
}

/** Accepts both wire forms (plain, or {schema, payload}) and returns the envelope. */
export function unwrapEnvelope(value: unknown): { event: ChangeEvent; schema: ConnectSchema | undefined } {
  if (value && typeof value === 'object' && 'payload' in value && 'schema' in value) {
    const v = value as WithSchema<ChangeEvent>;
    return { event: v.payload, schema: v.schema };
  }
  return { event: value as ChangeEvent, schema: undefined };
}

export function topicFor(prefix: string, schema: string, table: string): string {
  return `${prefix}.${schema}.${table}`;
}

export function transactionTopic(prefix: string): string {
  return `${prefix}.transaction`;
}

export function heartbeatTopic(prefix: string): string {
  return `__debezium-heartbeat.${prefix}`;
}

export function deadLetterTopic(prefix: string): string {
  return `${prefix}.dlq`;
}

/**
 * Header on every message the capture writes: the change's place in the replication stream,
 * "<commit LSN as 16 hex digits>/<position in the stream after that commit as 10 digits>".
 * It orders as a string, is the same when a change is sent again, and is unique per change
 * (rows that share one WAL record, as COPY writes them, differ by position). Consumers use it
 * to drop duplicates; the capture reads it back from each partition's tail after a crash.
 */
export const POSITION_HEADER = 'lakehouse.position';

/**
 * Header on every change event: the id of its table's Connect schemas (key and envelope) in the
 * compacted schema topic `<prefix>.schemas`. Events stay slim (no inline schema, unless
 * cdc.schemasEnable), and a consumer that needs types (bronze) looks the id up there.
 */
export const SCHEMA_HEADER = 'lakehouse.schema';

export function schemaTopic(prefix: string): string {
  return `${prefix}.schemas`;
}

/** Value of a record on the schema topic (its key is the schema id). */
export interface SchemaRecord {
  /** "<schema>.<table>" */
  table: string;
  key: ConnectSchema;
  value: ConnectSchema;
}

/**
 * Headers Debezium puts on the two events a primary-key change becomes: the delete (and its
 * tombstone) carry the new key, the create the old one, each as `{schema, payload}` JSON.
 */
export const NEW_KEY_HEADER = '__debezium.newkey';
export const OLD_KEY_HEADER = '__debezium.oldkey';

/** Value placed by Debezium where an unchanged TOASTed column was not sent. */
export const UNAVAILABLE_VALUE = '__debezium_unavailable_value';
