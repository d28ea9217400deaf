// Gold into PostgreSQL's `analytics` schema, for Power BI's PostgreSQL connector and Grafana.
// Each table is replaced in one transaction: readers see the old rows until the new ones are all
// there. A table whose columns are unchanged is truncated and refilled, so the grants and views
// people built on it stay; otherwise it is dropped and created again. Identifiers are quoted and
// every value travels as a query parameter (one array per column, unnested on the server).

import pg from 'pg';
import { UserError } from '../../common/errors.js';
import { redactUrl } from '../../common/log.js';
import type { DeltaTable, Row } from '../index.js';
import { decimalParts, type DataType } from '../kernel/schema.js';
import { COLUMN_DOCS, columnDoc } from '../gold/column-docs.js';
import type { GoldModel } from '../gold/model.js';

export const ANALYTICS_SCHEMA = 'analytics';
const MANIFEST_TABLE = 'export_manifest';
const ROWS_PER_INSERT = 5000;

/** PostgreSQL's name of a Delta type, as format_type() prints it. */
export function postgresType(t: DataType, column: string): string {
  if (typeof t === 'string') {
    const d = decimalParts(t);
    if (d) return `numeric(${d.precision},${d.scale})`;
    const known: Record<string, string> = {
      string: 'text', long: 'bigint', integer: 'integer', short: 'smallint', byte: 'smallint', double: 'double precision', float: 'real',
      boolean: 'boolean', date: 'date', timestamp: 'timestamp with time zone', timestamp_ntz: 'timestamp without time zone', binary: 'bytea',
    };
    if (known[t]) return known[t];
  }
  throw new UserError(`column ${column} has a type the PostgreSQL export does not map`);
}

/** A lake value as the text PostgreSQL parses for the column's type. */
function parameter(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'bigint') return v.toString();
  return v;
}

const q = (name: string) => pg.escapeIdentifier(name);
// COMMENT takes no parameters: the text is a literal, escaped by the driver's rule
const literal = (text: string) => pg.escapeLiteral(text);

export async function connectPostgres(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
  } catch (e) {
    throw new UserError(`cannot connect to PostgreSQL at ${redactUrl(url)}: ${(e as Error).message}`, {
      fix: "check DATABASE_URL (or database.url); for the local stack run 'lakehouse stack up'",
      cause: e,
    });
  }
  return client;
}

export interface TableExport {
  model: GoldModel;
  table: DeltaTable;
  silverVersions: Record<string, number>;
}

/** Replaces analytics.<model> with the table's rows, in one transaction; returns the rows written. */
export async function replaceAnalyticsTable(client: pg.Client, t: TableExport, onRows: (n: number) => void): Promise<number> {
  const fields = t.table.schema.fields;
  const name = t.model.name;
  const columns = fields.map((f) => ({ name: f.name, type: postgresType(f.type, f.name), nullable: f.nullable }));
  await client.query('BEGIN');
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${q(ANALYTICS_SCHEMA)}`);
    const existing = await client.query<{ name: string; type: string }>(
      `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type FROM pg_attribute a
        WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
      [`${q(ANALYTICS_SCHEMA)}.${q(name)}`],
    );
    const same = existing.rows.length === columns.length && existing.rows.every((r, i) => r.name === columns[i]!.name && r.type === columns[i]!.type);
    if (same) await client.query(`TRUNCATE ${q(ANALYTICS_SCHEMA)}.${q(name)}`);
    else {
      await client.query(`DROP TABLE IF EXISTS ${q(ANALYTICS_SCHEMA)}.${q(name)}`);
      const keyed = t.model.keys.every((k) => fields.find((f) => f.name === k)?.nullable === false);
      const defs = columns.map((c) => `${q(c.name)} ${c.type}${c.nullable ? '' : ' NOT NULL'}`);
      if (keyed) defs.push(`PRIMARY KEY (${t.model.keys.map(q).join(', ')})`);
      await client.query(`CREATE TABLE ${q(ANALYTICS_SCHEMA)}.${q(name)} (${defs.join(', ')})`);
    }
    // what each table and column means, for Power BI's and SQL tools' column descriptions
    const doc = COLUMN_DOCS[name];
    if (doc) await client.query(`COMMENT ON TABLE ${q(ANALYTICS_SCHEMA)}.${q(name)} IS ${literal(`${doc.description} ${doc.grain}`)}`);
    for (const c of columns) {
      const d = columnDoc(name, c.name);
      await client.query(`COMMENT ON COLUMN ${q(ANALYTICS_SCHEMA)}.${q(name)}.${q(c.name)} IS ${literal(d.description ? `${d.label}: ${d.description}` : d.label)}`);
    }
    const insert = `INSERT INTO ${q(ANALYTICS_SCHEMA)}.${q(name)} (${columns.map((c) => q(c.name)).join(', ')})
      SELECT * FROM unnest(${columns.map((c, i) => `$${i + 1}::${c.type}[]`).join(', ')})`;
    let written = 0;
    for await (const batch of t.table.scan()) {
      for (let off = 0; off < batch.length; off += ROWS_PER_INSERT) {
        const slice = batch.slice(off, off + ROWS_PER_INSERT);
        await client.query(insert, fields.map((f) => slice.map((r: Row) => parameter(r[f.name]))));
        written += slice.length;
        onRows(slice.length);
      }
    }
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${q(ANALYTICS_SCHEMA)}.${q(MANIFEST_TABLE)} (table_name text PRIMARY KEY, delta_path text NOT NULL,
        delta_version bigint NOT NULL, silver_versions jsonb NOT NULL, row_count bigint NOT NULL, exported_at timestamptz NOT NULL)`,
    );
    await client.query(
      `INSERT INTO ${q(ANALYTICS_SCHEMA)}.${q(MANIFEST_TABLE)} (table_name, delta_path, delta_version, silver_versions, row_count, exported_at)
       VALUES ($1, $2, $3, $4, $5, now())
       ON CONFLICT (table_name) DO UPDATE SET delta_path = EXCLUDED.delta_path, delta_version = EXCLUDED.delta_version,
         silver_versions = EXCLUDED.silver_versions, row_count = EXCLUDED.row_count, exported_at = EXCLUDED.exported_at`,
      [name, `gold/${name}`, t.table.version, JSON.stringify(t.silverVersions), written],
    );
    await client.query('COMMIT');
    return written;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    if (e instanceof UserError) throw e;
    throw new UserError(`could not replace ${ANALYTICS_SCHEMA}.${name} in PostgreSQL: ${(e as Error).message}`, {
      fix: `the user needs CREATE on the database (for the schema) and ownership of ${ANALYTICS_SCHEMA}.*; a view on a table whose columns changed must be dropped first`,
      cause: e,
    });
  }
}
