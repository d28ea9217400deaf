// One Parquet file and one CSV file per gold table, both from the same snapshot in key order.
// Parquet (written by DuckDB) keeps the types and the raw values (Snappy, which every Parquet
// reader supports). The CSV is UTF-8 with a header, ',' between fields, ISO-8601 dates and UTC
// timestamps ('2025-03-10T07:00:00.000000Z'), an empty field for null and "" for an empty text;
// DuckDB gives each value's text in key order and csv.ts's cell rule (shared with `table scan`)
// writes it: formulas neutralised, numbers with '.' that no locale reads as thousands. Each file
// appears under its name only once complete (written aside, then renamed), so a Power BI refresh
// never reads half a file.

import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { quoteIdent, type StructField } from '../kernel/schema.js';
import { sqlString } from '../parquet/duck.js';
import { csvCell, csvHeader } from './csv.js';

export interface WrittenFiles {
  parquet: string;
  csv: string;
}

/** A column's value as text: ISO timestamps in UTC, doubles never in exponent notation. */
function textExpression(f: StructField): string {
  const c = `v.${quoteIdent(f.name)}`;
  const as = quoteIdent(f.name);
  if (f.type === 'timestamp' || f.type === 'timestamp_ntz') {
    const utc = f.type === 'timestamp' ? `(${c} AT TIME ZONE 'UTC')` : c;
    return `strftime(${utc}, '%Y-%m-%dT%H:%M:%S.%fZ') AS ${as}`;
  }
  if (f.type === 'double' || f.type === 'float') {
    return `CASE WHEN CAST(${c} AS VARCHAR) LIKE '%e%' THEN rtrim(rtrim(printf('%.20f', ${c}), '0'), '.') ELSE CAST(${c} AS VARCHAR) END AS ${as}`;
  }
  return `CAST(${c} AS VARCHAR) AS ${as}`;
}

export async function writeParquetFile(c: DuckDBConnection, view: string, keys: string[], file: string): Promise<void> {
  await copyAside(c, `SELECT * FROM ${quoteIdent(view)} ORDER BY ${keys.map(quoteIdent).join(', ')}`, file, `FORMAT parquet, COMPRESSION snappy`);
}

export async function writeCsvFile(c: DuckDBConnection, view: string, fields: StructField[], keys: string[], file: string): Promise<void> {
  // ordered by the view's typed keys, not by their text (which would put 10 before 2)
  const select = `SELECT ${fields.map(textExpression).join(', ')} FROM ${quoteIdent(view)} v ORDER BY ${keys.map((k) => `v.${quoteIdent(k)}`).join(', ')}`;
  const aside = asidePath(file);
  const out = createWriteStream(aside);
  try {
    const write = async (text: string) => {
      if (!out.write(text)) await once(out, 'drain');
    };
    await write(csvHeader(fields.map((f) => f.name)) + '\n');
    const result = await c.stream(select);
    for await (const rows of result.yieldRows()) {
      let text = '';
      for (const values of rows) text += fields.map((f, i) => csvCell(values[i] === null ? null : String(values[i]), f.type)).join(',') + '\n';
      await write(text);
    }
    out.end();
    await once(out, 'finish');
    await rename(aside, file);
  } finally {
    out.destroy();
    await rm(aside, { force: true });
  }
}

function asidePath(file: string): string {
  return join(file, '..', `.${file.split('/').pop()}.${process.pid}.tmp`);
}

async function copyAside(c: DuckDBConnection, select: string, file: string, options: string): Promise<void> {
  const aside = asidePath(file);
  try {
    await c.run(`COPY (${select}) TO ${sqlString(aside)} (${options})`);
    await rename(aside, file);
  } finally {
    await rm(aside, { force: true });
  }
}
