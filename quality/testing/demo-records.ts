// The demo tables' rows (from the generator, or read from PostgreSQL as text) as the gate receives
// them: the lake's values of each column type in demo/generate.ts DEMO_DDL, wrapped in GateRecords.
// Used by the tests and the benchmark.

import { DEMO_DDL } from '../../demo/generate.js';
import { decimalParts } from '../../lake/kernel/schema.js';
import { microsToDate, parseTimestampString, toUnscaled, unscaledToString } from '../../lake/kernel/values.js';
import type { GateRecord } from '../types.js';

interface DemoColumn {
  name: string;
  pgType: string;
  primaryKey: boolean;
  notNull: boolean;
}

function parseDdl(ddl: string): Map<string, DemoColumn[]> {
  const tables = new Map<string, DemoColumn[]>();
  for (const m of ddl.matchAll(/create table if not exists (\w+) \(([\s\S]*?)\n\);/g)) {
    const cols = m[2]!
      .split('\n')
      .map((l) => l.trim().replace(/,$/, ''))
      .filter(Boolean)
      .map((l) => {
        const [name, type] = /^(\w+)\s+(\w+(?:\(\d+,\s*\d+\))?)/.exec(l)!.slice(1) as [string, string];
        return { name, pgType: type, primaryKey: /primary key/.test(l), notNull: /primary key|not null/.test(l) };
      });
    tables.set(`public.${m[1]}`, cols);
  }
  return tables;
}

export const DEMO_COLUMNS = parseDdl(DEMO_DDL);

/** The Delta type the bronze/silver mapping gives a demo column (lake/bronze/columns.ts). */
export function deltaTypeOfPg(pgType: string): string {
  if (pgType === 'int') return 'integer';
  if (pgType === 'bigint') return 'long';
  if (pgType === 'date') return 'date';
  if (pgType === 'timestamptz') return 'timestamp';
  if (pgType.startsWith('numeric')) return `decimal${pgType.slice('numeric'.length).replace(/\s/g, '')}`;
  return 'string';
}

function lakeValue(pgType: string, v: unknown, column: string): unknown {
  if (v === null || v === undefined) return null;
  const type = deltaTypeOfPg(pgType);
  if (type === 'integer') return Number(v);
  if (type === 'long') return BigInt(v as string | number);
  // PostgreSQL writes a whole-hour zone as "+00"
  if (type === 'timestamp') return v instanceof Date ? v : microsToDate(parseTimestampString(String(v).replace(/([+-]\d{2})$/, '$1:00'), column));
  if (type === 'date') return String(v).slice(0, 10);
  if (type.startsWith('decimal')) return unscaledToString(toUnscaled(v, type, column), decimalParts(type)!.scale);
  return String(v);
}

/** A demo row (generator object or PostgreSQL text) in lake values. */
export function lakeRow(table: string, row: Record<string, unknown>): Record<string, unknown> {
  const cols = DEMO_COLUMNS.get(table);
  if (!cols) throw new Error(`${table} is not a demo table`);
  const out: Record<string, unknown> = {};
  for (const c of cols) if (c.name in row) out[c.name] = lakeValue(c.pgType, row[c.name], c.name);
  return out;
}

let position = 0;

/** GateRecords for demo rows; rows without their identity key get one from `nextId`. */
export function demoRecords(table: string, rows: Array<Record<string, unknown>>, op: GateRecord['op'], nextId?: () => number): GateRecord[] {
  const pk = DEMO_COLUMNS.get(table)!.find((c) => c.primaryKey)!.name;
  return rows.map((r) => {
    const row = lakeRow(table, r[pk] === undefined && nextId ? { ...r, [pk]: nextId() } : r);
    position++;
    return { table, key: { [pk]: row[pk] }, position: String(position).padStart(12, '0'), lsn: BigInt(position), op, row };
  });
}
