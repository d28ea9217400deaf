// Checkpoint files in Parquet: one row per action, each action a struct column, null where the
// row holds another action. Written from the actions' JSON through DuckDB's JSON reader, so a
// checkpoint costs one streaming pass and never a second copy of the table state in JavaScript
// objects (delta-rs #2628 is what that second copy looks like).

import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Action } from '../kernel/actions.js';
import { sqlString, withConnection } from './duck.js';

const MAP = 'MAP(VARCHAR, VARCHAR)';
export const CHECKPOINT_COLUMNS: Record<string, string> = {
  txn: 'STRUCT(appId VARCHAR, version BIGINT, lastUpdated BIGINT)',
  add: `STRUCT(path VARCHAR, partitionValues ${MAP}, size BIGINT, modificationTime BIGINT, dataChange BOOLEAN, stats VARCHAR, tags ${MAP})`,
  remove: `STRUCT(path VARCHAR, deletionTimestamp BIGINT, dataChange BOOLEAN, extendedFileMetadata BOOLEAN, partitionValues ${MAP}, size BIGINT)`,
  metaData: `STRUCT(id VARCHAR, name VARCHAR, description VARCHAR, format STRUCT(provider VARCHAR, options ${MAP}), schemaString VARCHAR, partitionColumns VARCHAR[], configuration ${MAP}, createdTime BIGINT)`,
  protocol: 'STRUCT(minReaderVersion INTEGER, minWriterVersion INTEGER, readerFeatures VARCHAR[], writerFeatures VARCHAR[])',
};

/** Writes the actions to a local Parquet file; returns its size. */
export async function writeCheckpointFile(file: string, actions: Iterable<Action>): Promise<void> {
  const json = join(tmpdir(), `lake-checkpoint-${randomUUID()}.json`);
  const handle = await fs.open(json, 'w');
  try {
    let buf: string[] = [];
    for (const a of actions) {
      buf.push(JSON.stringify(a));
      if (buf.length >= 4096) {
        await handle.write(buf.join('\n') + '\n');
        buf = [];
      }
    }
    if (buf.length) await handle.write(buf.join('\n') + '\n');
  } finally {
    await handle.close();
  }
  try {
    const cols = `{${Object.entries(CHECKPOINT_COLUMNS).map(([k, t]) => `${sqlString(k)}: ${sqlString(t)}`).join(', ')}}`;
    await withConnection((c) =>
      c.run(
        `COPY (SELECT ${Object.keys(CHECKPOINT_COLUMNS).map((k) => `"${k}"`).join(', ')} FROM read_json(${sqlString(json)}, format = 'newline_delimited', columns = ${cols}, maximum_object_size = 67108864)) ` +
          `TO ${sqlString(file)} (FORMAT parquet, COMPRESSION zstd)`,
      ),
    );
  } finally {
    await fs.rm(json, { force: true });
  }
}

const READ_COLUMNS = ['protocol', 'metaData', 'txn', 'add', 'remove', 'domainMetadata'];

/** Reads the actions of a checkpoint (all its parts) back as log actions. */
export async function readCheckpointFiles(files: string[]): Promise<Action[]> {
  return withConnection(async (c) => {
    const list = `[${files.map(sqlString).join(', ')}]`;
    const described = await c.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${list}, union_by_name = true)`);
    const present = new Set(described.getRowObjectsJS().map((r) => String(r.column_name)));
    const cols = READ_COLUMNS.filter((k) => present.has(k));
    if (cols.length === 0) return [];
    // to_json turns Parquet maps into JSON objects: exactly the commit-file form of an action
    const select = cols.map((k) => `CASE WHEN "${k}" IS NULL THEN NULL ELSE to_json("${k}") END AS "${k}"`).join(', ');
    const where = cols.map((k) => `"${k}" IS NOT NULL`).join(' OR ');
    const reader = await c.runAndReadAll(`SELECT ${select} FROM read_parquet(${list}, union_by_name = true) WHERE ${where}`);
    const out: Action[] = [];
    const columns = reader.getColumns();
    const n = reader.currentRowCount;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < cols.length; j++) {
        const v = columns[j]![i];
        if (v === null || v === undefined) continue;
        out.push({ [cols[j]!]: stripNulls(JSON.parse(String(v))) } as Action);
      }
    }
    return out;
  });
}

/** Checkpoint structs carry every field; the commit form leaves absent ones out. */
function stripNulls(o: Record<string, unknown>): Record<string, unknown> {
  for (const k of Object.keys(o)) if (o[k] === null && k !== 'partitionValues') delete o[k];
  return o;
}
