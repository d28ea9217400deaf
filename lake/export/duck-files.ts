// A gold table's snapshot as one DuckDB query over its data files, for COPY ... TO. Gold tables
// are not partitioned and have no deletion vectors, so the snapshot's files are exactly its rows;
// DuckDB streams them, keeps every type (decimals, dates, UTC timestamps) and sorts by the key.

import { UserError } from '../../common/errors.js';
import type { DeltaTable } from '../index.js';
import { cachedLocal } from '../kernel/fetch.js';
import { duckType, quoteIdent, type StructField } from '../kernel/schema.js';
import { relativeDataPath } from '../operations/scan.js';
import { sqlString } from '../parquet/duck.js';
import type { DuckDBConnection } from '@duckdb/node-api';

/** CREATE TEMP VIEW `name` over the table's rows with the table's columns and types. */
export async function createSnapshotView(c: DuckDBConnection, name: string, table: DeltaTable): Promise<void> {
  if (table.partitionColumns.length) throw new UserError(`${table.location} is partitioned; gold tables are not`, { where: table.location });
  const fields = table.schema.fields;
  const files: string[] = [];
  for (const add of table.files()) {
    if (add.deletionVector) throw new UserError('the table has deletion vectors, which this export does not read', { where: table.location });
    files.push(await cachedLocal(table.storage, relativeDataPath(table.storage, add.path)));
  }
  const cast = (f: StructField, present: boolean) => `${present ? `CAST(${quoteIdent(f.name)} AS ${duckType(f.type)})` : `CAST(NULL AS ${duckType(f.type)})`} AS ${quoteIdent(f.name)}`;
  if (files.length === 0) {
    await c.run(`CREATE OR REPLACE TEMP VIEW ${quoteIdent(name)} AS SELECT ${fields.map((f) => cast(f, false)).join(', ')} WHERE false`);
    return;
  }
  const source = `read_parquet([${files.map(sqlString).join(', ')}], union_by_name = true)`;
  const described = await c.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`);
  const present = new Set(described.getRowObjectsJson().map((r) => String(r.column_name)));
  await c.run(`CREATE OR REPLACE TEMP VIEW ${quoteIdent(name)} AS SELECT ${fields.map((f) => cast(f, present.has(f.name))).join(', ')} FROM ${source}`);
}
