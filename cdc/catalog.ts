// What the capture needs to know about a table from PostgreSQL's catalog: its columns with their
// types (including enums, domains and arrays of them), NOT NULL, and the primary key. pgoutput's
// Relation message gives the column list and type oids in stream order; the rest comes from here.

import pg from 'pg';
import type { ColumnInfo } from './type-mapping.js';

/**
 * Session settings under which PostgreSQL's text output is what cdc/type-mapping.ts parses.
 * The same options go to the replication connection, whose walsender formats pgoutput's values.
 */
export const SESSION_OPTIONS = '-c TimeZone=UTC -c DateStyle=ISO,YMD -c IntervalStyle=iso_8601 -c extra_float_digits=3 -c bytea_output=hex';

/** A client whose values stay in PostgreSQL's text form (no JS Date, no lossy numbers). */
export function textClient(connectionString: string, extra: Partial<pg.ClientConfig> = {}): pg.Client {
  return new pg.Client({
    connectionString,
    options: SESSION_OPTIONS,
    types: { getTypeParser: () => (v: string) => v } as never,
    application_name: 'lakehouse-cdc',
    ...extra,
  });
}

export interface TableInfo {
  oid: number;
  schema: string;
  table: string;
  columns: ColumnInfo[];
  primaryKey: string[];
  replicaIdentity: 'd' | 'n' | 'f' | 'i';
}

const COLUMNS_SQL = `
select a.attname as name, a.atttypid::int as type_oid, a.atttypmod as typmod, a.attnotnull as not_null, a.attndims as dims,
       pg_get_expr(d.adbin, d.adrelid) as default_expr,
       t.typname as type_name, t.typtype as typtype, t.typelem::int as elem_oid,
       t.typbasetype::int as base_oid, t.typtypmod as base_typmod, et.typtype as elem_typtype,
       (select array_agg(e.enumlabel::text order by e.enumsortorder) from pg_enum e
          where e.enumtypid = case when t.typtype = 'e' then t.oid when et.typtype = 'e' then et.oid end) as labels
  from pg_attribute a
  join pg_type t on t.oid = a.atttypid
  left join pg_type et on et.oid = t.typelem and t.typcategory = 'A'
  left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
 where a.attrelid = $1 and a.attnum > 0 and not a.attisdropped and a.attgenerated = ''
 order by a.attnum`;

const PK_SQL = `
select a.attname as name
  from pg_index i
  join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
 where i.indrelid = $1 and i.indisprimary
 order by array_position(i.indkey, a.attnum)`;

export async function tableInfoByName(client: pg.Client, schema: string, table: string): Promise<TableInfo | undefined> {
  const { rows } = await client.query<{ oid: string }>(
    `select c.oid::int as oid from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = $1 and c.relname = $2`,
    [schema, table],
  );
  if (!rows[0]) return undefined;
  return tableInfo(client, Number(rows[0].oid));
}

export async function tableInfo(client: pg.Client, oid: number): Promise<TableInfo | undefined> {
  const rel = await client.query<{ schema: string; table: string; relreplident: string }>(
    `select n.nspname as schema, c.relname as table, c.relreplident from pg_class c join pg_namespace n on n.oid = c.relnamespace where c.oid = $1`,
    [oid],
  );
  if (!rel.rows[0]) return undefined;
  const cols = await client.query(COLUMNS_SQL, [oid]);
  const pk = await client.query<{ name: string }>(PK_SQL, [oid]);
  return {
    oid,
    schema: rel.rows[0].schema,
    table: rel.rows[0].table,
    replicaIdentity: rel.rows[0].relreplident as TableInfo['replicaIdentity'],
    primaryKey: pk.rows.map((r) => r.name),
    columns: cols.rows.map(toColumnInfo),
  };
}

function toColumnInfo(r: Record<string, string | null>): ColumnInfo {
  const col: ColumnInfo = {
    name: r.name!,
    typeOid: Number(r.type_oid),
    typmod: Number(r.typmod),
    typeName: r.type_name!,
    notNull: r.not_null === 't' || (r.not_null as unknown) === true,
  };
  if (r.typtype === 'd') {
    col.baseOid = Number(r.base_oid);
    col.typmod = Number(r.base_typmod);
  }
  if (r.elem_typtype && Number(r.elem_oid) !== 0) col.elemOid = Number(r.elem_oid);
  if (Number(r.dims) > 1) col.dimensions = Number(r.dims);
  const dflt = constantDefault(r.default_expr ?? null);
  if (dflt !== undefined) col.defaultText = dflt;
  if (r.labels) col.enumLabels = parseTextArray(r.labels);
  return col;
}

/**
 * A column default that is a constant, in PostgreSQL's text form (null for DEFAULT NULL), or
 * undefined when it is computed (now(), nextval(...), an expression): Debezium's schemas declare
 * constant defaults only. `pg_get_expr` prints constants as `'text'::type`, `42`, `(-1)`, `true`.
 */
export function constantDefault(expr: string | null): string | null | undefined {
  if (expr === null) return undefined;
  let m = /^'((?:[^']|'')*)'::[\w\s."[\]()]+$/.exec(expr);
  if (m) return m[1]!.replace(/''/g, "'");
  m = /^\(?(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)\)?(?:::[\w\s]+)?$/i.exec(expr);
  if (m) return m[1]!;
  if (expr === 'true' || expr === 'false') return expr === 'true' ? 't' : 'f';
  if (/^NULL(::.*)?$/.test(expr)) return null;
  return undefined;
}

function parseTextArray(text: string): string[] {
  // Enum labels come back as a text[] literal; labels may be quoted.
  return text
    .slice(1, -1)
    .match(/"((?:[^"\\]|\\.)*)"|[^,]+/g)!
    .map((s) => (s.startsWith('"') ? s.slice(1, -1).replace(/\\(.)/g, '$1') : s));
}

/** Tables the publication covers now. */
export async function publishedTables(client: pg.Client, publication: string): Promise<{ schema: string; table: string }[]> {
  const { rows } = await client.query<{ schema: string; table: string }>(
    `select schemaname as schema, tablename as table from pg_publication_tables where pubname = $1 order by 1, 2`,
    [publication],
  );
  return rows;
}
