// One Parquet file and one CSV file per gold table, both written by DuckDB from the same snapshot
// in key order. Parquet keeps the types (Snappy, which every Parquet reader supports); the CSV is
// UTF-8 with a header, ',' between fields, '.' in decimals, ISO-8601 dates and UTC timestamps
// ('2025-03-10T07:00:00.000000Z'), an empty field for null and "" for an empty text. Each file
// appears under its name only once complete (written aside, then renamed), so a Power BI refresh
// never reads half a file.

import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { quoteIdent, type StructField } from '../kernel/schema.js';
import { sqlString } from '../parquet/duck.js';

export interface WrittenFiles {
  parquet: string;
  csv: string;
}

/** The CSV text of a column: ISO timestamps in UTC, doubles never in exponent notation. */
function csvExpression(f: StructField): string {
  const c = quoteIdent(f.name);
  if (f.type === 'timestamp' || f.type === 'timestamp_ntz') {
    const utc = f.type === 'timestamp' ? `(${c} AT TIME ZONE 'UTC')` : c;
    return `strftime(${utc}, '%Y-%m-%dT%H:%M:%S.%fZ') AS ${c}`;
  }
  if (f.type === 'double' || f.type === 'float') {
    return `CASE WHEN CAST(${c} AS VARCHAR) LIKE '%e%' THEN rtrim(rtrim(printf('%.20f', ${c}), '0'), '.') ELSE CAST(${c} AS VARCHAR) END AS ${c}`;
  }
  return c;
}

export async function writeParquetFile(c: DuckDBConnection, view: string, keys: string[], file: string): Promise<void> {
  await copyAside(c, `SELECT * FROM ${quoteIdent(view)} ORDER BY ${keys.map(quoteIdent).join(', ')}`, file, `FORMAT parquet, COMPRESSION snappy`);
}

export async function writeCsvFile(c: DuckDBConnection, view: string, fields: StructField[], keys: string[], file: string): Promise<void> {
  const select = `SELECT ${fields.map(csvExpression).join(', ')} FROM ${quoteIdent(view)} ORDER BY ${keys.map(quoteIdent).join(', ')}`;
  await copyAside(c, select, file, `FORMAT csv, HEADER true, DELIMITER ','`);
}

async function copyAside(c: DuckDBConnection, select: string, file: string, options: string): Promise<void> {
  const aside = join(file, '..', `.${file.split('/').pop()}.${process.pid}.tmp`);
  try {
    await c.run(`COPY (${select}) TO ${sqlString(aside)} (${options})`);
    await rename(aside, file);
  } finally {
    await rm(aside, { force: true });
  }
}
