// The Delta schema: the JSON form of metaData.schemaString, the types this lake reads and writes,
// and the rule for evolving it (new columns only, always nullable, so old files read as null).

import { UserError } from '../../common/errors.js';

export type PrimitiveType =
  | 'string' | 'long' | 'integer' | 'short' | 'byte' | 'float' | 'double' | 'boolean'
  | 'binary' | 'date' | 'timestamp' | 'timestamp_ntz' | `decimal(${number},${number})`;

export interface ArrayType { type: 'array'; elementType: DataType; containsNull: boolean }
export interface MapType { type: 'map'; keyType: DataType; valueType: DataType; valueContainsNull: boolean }
export interface StructType { type: 'struct'; fields: StructField[] }
export type DataType = PrimitiveType | ArrayType | MapType | StructType;

export interface StructField {
  name: string;
  type: DataType;
  nullable: boolean;
  metadata: Record<string, unknown>;
}

/** A column as callers declare it: metadata and nullability optional. */
export interface ColumnSpec {
  name: string;
  type: DataType;
  nullable?: boolean;
  metadata?: Record<string, unknown>;
}

const PRIMITIVES = new Set(['string', 'long', 'integer', 'short', 'byte', 'float', 'double', 'boolean', 'binary', 'date', 'timestamp', 'timestamp_ntz']);
const DECIMAL = /^decimal\(\s*(\d+)\s*,\s*(\d+)\s*\)$/;

export function structType(columns: ColumnSpec[]): StructType {
  return {
    type: 'struct',
    fields: columns.map((c) => ({ name: c.name, type: normalizeType(c.type, c.name), nullable: c.nullable ?? true, metadata: c.metadata ?? {} })),
  };
}

function normalizeType(t: DataType, where: string): DataType {
  if (typeof t === 'string') {
    if (PRIMITIVES.has(t)) return t;
    const m = DECIMAL.exec(t);
    if (m) {
      const p = Number(m[1]);
      const s = Number(m[2]);
      if (p < 1 || p > 38 || s > p) throw new UserError(`column ${where}: decimal precision must be 1..38 and scale at most the precision, got ${t}`);
      return `decimal(${p},${s})`;
    }
    if ((t as string) === 'decimal') return 'decimal(10,0)';
    throw new UserError(`column ${where}: unknown Delta type "${t}"`, { fix: `use one of ${[...PRIMITIVES].join(', ')}, decimal(p,s), array, map or struct` });
  }
  switch (t.type) {
    case 'array': return { type: 'array', elementType: normalizeType(t.elementType, `${where}[]`), containsNull: t.containsNull ?? true };
    case 'map': return { type: 'map', keyType: normalizeType(t.keyType, `${where}.key`), valueType: normalizeType(t.valueType, `${where}.value`), valueContainsNull: t.valueContainsNull ?? true };
    case 'struct': return structType(t.fields);
    default: throw new UserError(`column ${where}: unknown Delta type ${JSON.stringify(t)}`);
  }
}

export function parseSchema(schemaString: string): StructType {
  let raw: unknown;
  try {
    raw = JSON.parse(schemaString);
  } catch (e) {
    throw new UserError(`the table's schemaString is not JSON: ${(e as Error).message}`);
  }
  const s = raw as StructType;
  if (!s || s.type !== 'struct' || !Array.isArray(s.fields)) throw new UserError('the table\'s schemaString is not a struct type');
  return s;
}

export function schemaString(schema: StructType): string {
  return JSON.stringify(schema);
}

export function decimalParts(t: DataType | string): { precision: number; scale: number } | undefined {
  if (typeof t !== 'string') return undefined;
  const m = DECIMAL.exec(t);
  return m ? { precision: Number(m[1]), scale: Number(m[2]) } : undefined;
}

export function typeName(t: DataType): string {
  if (typeof t === 'string') return t;
  if (t.type === 'array') return `array<${typeName(t.elementType)}>`;
  if (t.type === 'map') return `map<${typeName(t.keyType)},${typeName(t.valueType)}>`;
  return `struct<${t.fields.map((f) => `${f.name}:${typeName(f.type)}`).join(',')}>`;
}

/** DuckDB's name for a Delta type, used to create the table a Parquet file is written from. */
export function duckType(t: DataType): string {
  if (typeof t === 'string') {
    const d = decimalParts(t);
    if (d) return `DECIMAL(${d.precision},${d.scale})`;
    switch (t) {
      case 'string': return 'VARCHAR';
      case 'long': return 'BIGINT';
      case 'integer': return 'INTEGER';
      case 'short': return 'SMALLINT';
      case 'byte': return 'TINYINT';
      case 'float': return 'FLOAT';
      case 'double': return 'DOUBLE';
      case 'boolean': return 'BOOLEAN';
      case 'binary': return 'BLOB';
      case 'date': return 'DATE';
      case 'timestamp': return 'TIMESTAMPTZ';
      case 'timestamp_ntz': return 'TIMESTAMP';
    }
    throw new UserError(`no Parquet mapping for type ${t}`);
  }
  if (t.type === 'array') return `${duckType(t.elementType)}[]`;
  if (t.type === 'map') return `MAP(${duckType(t.keyType)}, ${duckType(t.valueType)})`;
  return `STRUCT(${t.fields.map((f) => `${quoteIdent(f.name)} ${duckType(f.type)}`).join(', ')})`;
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Column lookup is case-insensitive in Delta. */
export function findField(schema: StructType, name: string): StructField | undefined {
  const lower = name.toLowerCase();
  return schema.fields.find((f) => f.name === name) ?? schema.fields.find((f) => f.name.toLowerCase() === lower);
}

/**
 * Schema evolution: the current schema plus new nullable columns. Changing a column's type or
 * making it required is refused: files already written could not honour it.
 */
export function mergeSchemas(current: StructType, incoming: StructType): { schema: StructType; added: string[] } {
  const merged: StructType = { type: 'struct', fields: [...current.fields] };
  const fields = merged.fields;
  const added: string[] = [];
  for (const f of incoming.fields) {
    // against the columns added so far too: a batch whose rows come in two shapes names a new
    // column twice, and adding it twice made a schema no file could be written with
    const existing = findField(merged, f.name);
    if (!existing) {
      fields.push({ ...f, nullable: true });
      added.push(f.name);
      continue;
    }
    if (typeName(existing.type) !== typeName(f.type)) {
      throw new UserError(`column "${f.name}" is ${typeName(existing.type)} in the table but ${typeName(f.type)} in the new data`, {
        fix: 'schema evolution only adds nullable columns; write the column with its existing type',
      });
    }
  }
  return { schema: merged, added };
}
