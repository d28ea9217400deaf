// A gold table's snapshot as a DuckDB view, for COPY ... TO: its files are exactly its rows.

import type { DuckDBConnection } from '@duckdb/node-api';
import type { DeltaTable } from '../index.js';
import { filesRelation } from '../gold/duck-files.js';
import { quoteIdent } from '../kernel/schema.js';

export async function createSnapshotView(c: DuckDBConnection, name: string, table: DeltaTable): Promise<void> {
  const relation = await filesRelation(c, table.storage, table.files(), table.schema.fields);
  await c.run(`CREATE OR REPLACE TEMP VIEW ${quoteIdent(name)} AS SELECT * FROM ${relation}`);
}
