// One embedded DuckDB per process does the Parquet work (encoding, zstd, nested types, reading
// Spark's and delta-rs's files back). The Delta log itself never goes through it: DuckDB is a
// Parquet codec here, not the table format.

import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

let instance: Promise<DuckDBInstance> | undefined;

function db(): Promise<DuckDBInstance> {
  instance ??= DuckDBInstance.create(':memory:', {
    threads: String(Math.max(1, Number(process.env.LAKE_DUCKDB_THREADS) || 2)),
    // The lake never asks DuckDB to hold a table; this bounds a runaway scan, not normal work.
    memory_limit: process.env.LAKE_DUCKDB_MEMORY ?? '1GB',
    // No extensions are fetched at run time: there may be no internet.
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
  });
  return instance;
}

/** Runs `fn` on a connection of its own, closed afterwards. */
export async function withConnection<T>(fn: (c: DuckDBConnection) => Promise<T>): Promise<T> {
  const c = await (await db()).connect();
  try {
    return await fn(c);
  } finally {
    c.closeSync();
  }
}

const idle: DuckDBConnection[] = [];

/**
 * Runs `fn` on a connection kept for reuse: connecting costs about as much as writing a small
 * data file. Only for callers that leave nothing behind on the connection (no temporary objects,
 * no settings); a connection whose work failed is closed rather than reused.
 */
export async function withReusedConnection<T>(fn: (c: DuckDBConnection) => Promise<T>): Promise<T> {
  const c = idle.pop() ?? (await (await db()).connect());
  let result: T;
  try {
    result = await fn(c);
  } catch (e) {
    c.closeSync();
    throw e;
  }
  if (idle.length < 4) idle.push(c);
  else c.closeSync();
  return result;
}

export function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}
