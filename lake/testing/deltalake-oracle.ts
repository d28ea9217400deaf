// Tests compare the lake against Python deltalake (delta-rs): this runs the reference reader
// (deltalake_oracle.py) once per batch of requests and puts our own rows in the same canonical
// form, so a test reads as "ours equals theirs".

import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DataType, StructType } from '../kernel/schema.js';
import type { Row } from '../kernel/values.js';
import { runPythonJson } from './python.js';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'deltalake_oracle.py');

export interface OracleRead {
  version: number;
  partitionColumns: string[];
  schema: { type: 'struct'; fields: Array<{ name: string; type: unknown; nullable: boolean }> };
  configuration: Record<string, string>;
  protocol: [number, number];
  rows?: unknown[];
  files: string[];
  history?: Array<{ version: number; operation: string }>;
  error?: string;
}

export interface ReadRequest {
  path: string;
  version?: number;
  timestamp?: string;
  rows?: boolean;
  /** Only these columns of the rows (big tables). */
  columns?: string[];
  history?: boolean;
  /**
   * deltalake's storage_options for an object-store path (endpoint, credentials, AWS_ALLOW_HTTP):
   * with them the reader gets no AWS_ or AZURE_ variables from the environment, so they alone
   * point it at the store.
   */
  storageOptions?: Record<string, string>;
}

export type WriteStep =
  | { op: 'write'; mode?: 'append' | 'overwrite'; partitionBy?: string[]; schema: Array<[string, string]>; rows: Row[] }
  | { op: 'delete'; predicate: string }
  | { op: 'checkpoint' }
  | { op: 'optimize' }
  | { op: 'merge'; predicate: string; schema: Array<[string, string]>; rows: Row[] };

function run(requests: unknown[]): unknown[] {
  const explicit = requests.some((r) => (r as ReadRequest).storageOptions);
  // with storage options, they alone point deltalake at the store
  const env = explicit ? Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(AWS|AZURE)_/.test(k))) : undefined;
  return runPythonJson<unknown[]>(SCRIPT, [], JSON.stringify(requests), env);
}

/** What deltalake reads from each table. */
export function deltalakeRead(requests: ReadRequest[]): OracleRead[] {
  return run(requests) as OracleRead[];
}

/** Has deltalake write a table, step by step (each write step is one commit). */
export function deltalakeWrite(path: string, spec: WriteStep[]): { version: number; error?: string } {
  const [res] = run([{ kind: 'write', path, spec }]) as Array<{ version: number; error?: string }>;
  if (res?.error) throw new Error(`deltalake could not write the table: ${res.error}`);
  return res!;
}

/** A value of a Delta type in the oracle's canonical form. */
export function canonical(v: unknown, type: DataType): unknown {
  if (v === null || v === undefined) return null;
  if (typeof type !== 'string') {
    if (type.type === 'array') return (v as unknown[]).map((x) => canonical(x, type.elementType));
    if (type.type === 'struct') return Object.fromEntries(type.fields.map((f) => [f.name, canonical((v as Row)[f.name], f.type)]));
    return Object.fromEntries(Object.entries(v as object).map(([k, x]) => [k, canonical(x, type.valueType)]));
  }
  if (type === 'float' || type === 'double') return pyFloat(v as number);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v instanceof Date) return `ts:${v.getTime()}`;
  if (v instanceof Uint8Array) return `hex:${Buffer.from(v).toString('hex')}`;
  return String(v);
}

/** Python's repr of a float. */
export function pyFloat(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  if (v === 0) return Object.is(v, -0) ? '-0.0' : '0.0';
  const [mant, expText] = v.toExponential().split('e') as [string, string];
  const exp = Number(expText);
  if (exp < -4 || exp >= 16) return `${mant}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  const s = String(v);
  return s.includes('.') ? s : `${s}.0`;
}

/** Our rows, canonical and sorted like sortRows sorts the oracle's. */
export function canonicalRows(rows: Row[], schema: StructType): unknown[] {
  return sortRows(rows.map((r) => Object.fromEntries(schema.fields.map((f) => [f.name, canonical(r[f.name], f.type)]))));
}

export function sortRows(rows: unknown[]): unknown[] {
  return [...rows].sort((a, b) => cmp(stableJson(a), stableJson(b)));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** JSON with sorted keys, as Python's json.dumps(sort_keys=True) orders them. */
export function stableJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(stableJson).join(', ')}]`;
  return `{${Object.keys(v as object).sort().map((k) => `${JSON.stringify(k)}: ${stableJson((v as Record<string, unknown>)[k])}`).join(', ')}}`;
}
