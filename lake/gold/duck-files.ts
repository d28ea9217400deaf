// Data files of a Delta table as one DuckDB relation, typed by the table's schema: a column that
// no file has (added by schema evolution later) reads as NULL. Gold uses it to compare a silver
// commit's removed and added files inside DuckDB (only the rows that differ come back to
// JavaScript), and the export to copy a gold snapshot to Parquet and CSV. Tables read this way
// are not partitioned and have no deletion vectors (gold and silver tables never do).

import type { DuckDBConnection } from '@duckdb/node-api';
import { UserError } from '../../common/errors.js';
import type { Add, DeltaTable, Row, Storage } from '../index.js';
import { cachedLocal } from '../kernel/fetch.js';
import { duckType, quoteIdent, type StructField } from '../kernel/schema.js';
import { relativeDataPath } from '../operations/scan.js';
import { sqlString, withConnection } from '../parquet/duck.js';
import { fromDuck } from '../parquet/read.js';

// data files never change once written, so their columns can be remembered by path
const footerColumns = new Map<string, string[]>();

/** A parenthesised SELECT over the files with exactly `fields`, in order and typed. */
export async function filesRelation(c: DuckDBConnection, storage: Storage, files: Add[], fields: StructField[]): Promise<string> {
  const locals: string[] = [];
  for (const add of files) {
    if (add.deletionVector) throw new UserError('the table has deletion vectors, which gold does not read', { where: storage.location });
    if (Object.keys(add.partitionValues ?? {}).length) throw new UserError('the table is partitioned; gold reads unpartitioned tables', { where: storage.location });
    locals.push(await cachedLocal(storage, relativeDataPath(storage, add.path)));
  }
  const cast = (f: StructField, present: boolean) =>
    `CAST(${present ? quoteIdent(f.name) : 'NULL'} AS ${duckType(f.type)}) AS ${quoteIdent(f.name)}`;
  if (locals.length === 0) return `(SELECT ${fields.map((f) => cast(f, false)).join(', ')} WHERE false)`;
  const source = `read_parquet([${locals.map(sqlString).join(', ')}], union_by_name = true)`;
  // the Parquet footers are cached per file: reading them once more is cheaper than guessing
  const present = new Set<string>();
  for (const file of locals) {
    let names = footerColumns.get(file);
    if (!names) {
      const described = await c.runAndReadAll(`SELECT name FROM parquet_schema(${sqlString(file)})`);
      names = described.getRowObjectsJson().map((r) => String(r.name));
      footerColumns.set(file, names);
      if (footerColumns.size > 10_000) footerColumns.delete(footerColumns.keys().next().value!);
    }
    for (const n of names) present.add(n);
  }
  return `(SELECT ${fields.map((f) => cast(f, present.has(f.name))).join(', ')} FROM ${source})`;
}

/**
 * The table's rows whose integer column `column` is one of `values`, filtered inside DuckDB:
 * an employee's few thousand activities out of a million without a million rows in JavaScript.
 */
export async function rowsWhereIn(table: DeltaTable, fields: StructField[], column: string, values: number[]): Promise<Row[]> {
  const ids = values.filter((v) => Number.isSafeInteger(v));
  if (ids.length === 0) return [];
  return withConnection(async (c) => {
    const relation = await filesRelation(c, table.storage, table.files(), fields);
    const result = await c.runAndReadAll(`SELECT * FROM ${relation} WHERE ${quoteIdent(column)} IN (${ids.map((v) => String(v)).join(', ')})`);
    return result.getRows().map((values) => {
      const row: Row = {};
      fields.forEach((f, i) => (row[f.name] = fromDuck(values[i]!, f.type, f.name)));
      return row;
    });
  });
}
