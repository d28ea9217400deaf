// Creating a table: version 0 holds the protocol, the metadata (schema, partition columns,
// properties) and the commitInfo. Put-if-absent on version 0 makes two racing creators safe.

import { randomUUID } from 'node:crypto';
import { UserError } from '../../common/errors.js';
import type { Metadata } from '../kernel/actions.js';
import { DEFAULT_PROTOCOL } from '../kernel/protocol.js';
import { findField, schemaString, structType, type ColumnSpec } from '../kernel/schema.js';
import { Snapshot } from '../kernel/snapshot.js';
import { commit } from '../kernel/transaction.js';
import { listLog } from '../kernel/log.js';
import type { Storage } from '../storage/storage.js';

export interface CreateTableSpec {
  columns: ColumnSpec[];
  /** Partition columns, e.g. ['ingest_date']; must be primitive columns of the schema. */
  partitionBy?: string[];
  /** Table properties (delta.checkpointInterval, delta.deletedFileRetentionDuration, delta.appendOnly, ...). */
  configuration?: Record<string, string>;
  name?: string;
  description?: string;
}

export async function createTable(storage: Storage, spec: CreateTableSpec): Promise<Snapshot> {
  const listing = await listLog(storage);
  if (listing.commits.size > 0 || listing.checkpoints.length > 0) {
    throw new UserError('a Delta table already exists here', { where: storage.location, fix: 'open it instead (DeltaTable.open), or choose another path' });
  }
  if (!Array.isArray(spec.columns) || spec.columns.length === 0) throw new UserError('a table needs at least one column');
  const schema = structType(spec.columns);
  const seen = new Set<string>();
  for (const f of schema.fields) {
    if (seen.has(f.name.toLowerCase())) throw new UserError(`column "${f.name}" is declared twice (Delta column names are case-insensitive)`);
    seen.add(f.name.toLowerCase());
  }
  const partitionBy = (spec.partitionBy ?? []).map((c) => {
    const f = findField(schema, c);
    if (!f) throw new UserError(`partition column "${c}" is not a column of the table`);
    if (typeof f.type !== 'string' || f.type === 'binary') throw new UserError(`partition column "${c}" must have a primitive, non-binary type`);
    return f.name;
  });
  if (partitionBy.length && partitionBy.length === schema.fields.length) throw new UserError('a table cannot be partitioned by all of its columns');
  const metadata: Metadata = {
    id: randomUUID(),
    name: spec.name ?? null,
    description: spec.description ?? null,
    format: { provider: 'parquet', options: {} },
    schemaString: schemaString(schema),
    partitionColumns: partitionBy,
    configuration: { ...(spec.configuration ?? {}) },
    createdTime: Date.now(),
  };
  const snapshot = new Snapshot(storage.location);
  await commit(storage, snapshot, {
    operation: 'CREATE TABLE',
    operationParameters: { partitionBy: JSON.stringify(partitionBy), mode: 'ErrorIfExists', location: storage.location },
    actions: [{ protocol: DEFAULT_PROTOCOL }, { metaData: metadata }],
    blindAppend: false,
  });
  return snapshot;
}
