// Rows to data files: grouped by partition, one Parquet file per group (split when large), each
// with its add action and statistics. Shared by every operation that writes data.

import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { UserError } from '../../common/errors.js';
import type { Add } from '../kernel/actions.js';
import { partitionFolder, pathToUri, serializePartitionValue } from '../kernel/partitions.js';
import { findField, type StructField, type StructType } from '../kernel/schema.js';
import type { Row } from '../kernel/values.js';
import { writeParquet } from '../parquet/write.js';
import type { Storage } from '../storage/storage.js';

export const MAX_ROWS_PER_FILE = 1_000_000;

export interface WriteTarget {
  storage: Storage;
  schema: StructType;
  partitionColumns: string[];
}

/** Checks that rows only carry the schema's columns: data is never dropped silently. */
export function checkColumns(rows: Row[], schema: StructType): void {
  const known = new Set(schema.fields.map((f) => f.name));
  // rows of one batch mostly share their keys and key order: a key that is the previous row's
  // (known) key at the same position needs no lookup
  const seen: Array<string | undefined> = [];
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    if (row === null || typeof row !== 'object' || Array.isArray(row)) {
      throw new UserError(`row ${i} is not an object`);
    }
    let j = 0;
    for (const k in row) {
      if (seen[j] === k) {
        j++;
        continue;
      }
      seen[j++] = known.has(k) ? k : undefined;
      if (!known.has(k) && row[k] !== undefined) {
        const unknown = Object.keys(row).filter((c) => !known.has(c));
        throw new UserError(`row ${i} has column(s) the table does not have: ${unknown.join(', ')}`, {
          fix: 'add them first (table.addColumns, or the `columns` option of append/merge: new columns are nullable)',
        });
      }
    }
  }
}

interface Group {
  values: Record<string, string | null>;
  rows: Row[];
}

export async function writeDataFiles(target: WriteTarget, rows: Row[], dataChange = true): Promise<Add[]> {
  const { schema, partitionColumns } = target;
  const partFields = partitionColumns.map((c) => {
    const f = findField(schema, c);
    if (!f) throw new UserError(`partition column ${c} is not in the schema`);
    return f;
  });
  const dataFields = schema.fields.filter((f) => !partFields.includes(f));
  const groups = new Map<string, Group>();
  if (partFields.length === 0) {
    groups.set('', { values: {}, rows });
  } else {
    // a batch holds few distinct partition values: serialize each distinct primitive once
    const seen = partFields.map(() => new Map<unknown, string | null>());
    const serialized = new Array<string | null>(partFields.length);
    // and rows arrive in runs of one partition: a row whose values are the previous row's joins
    // its group; while every row is in the first group, it is the batch itself (no copy)
    const last = new Array<unknown>(partFields.length);
    let lastGroup: Group | undefined;
    let first: Group | undefined;
    let split = false;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      if (lastGroup) {
        let same = true;
        for (let p = 0; p < partFields.length; p++) {
          if (row[partFields[p]!.name] !== last[p]) {
            same = false;
            break;
          }
        }
        if (same) {
          if (split) lastGroup.rows.push(row);
          continue;
        }
      }
      let key = '';
      for (let p = 0; p < partFields.length; p++) {
        const f = partFields[p]!;
        const raw = row[f.name];
        const primitive = raw !== null && typeof raw !== 'object' && typeof raw !== 'function';
        let v = primitive ? seen[p]!.get(raw) : undefined;
        if (v === undefined) {
          v = serializePartitionValue(raw, f.type, f.name);
          if (primitive && seen[p]!.size < 1024) seen[p]!.set(raw, v);
        }
        if (v === null && !f.nullable) throw new UserError(`partition column ${f.name} is not nullable but a row has no value for it`);
        serialized[p] = v;
        last[p] = raw;
        key += v === null ? '\u0000|' : `${v}|`;
      }
      let g = groups.get(key);
      if (!g) {
        const values: Record<string, string | null> = {};
        for (let p = 0; p < partFields.length; p++) values[partFields[p]!.name] = serialized[p]!;
        groups.set(key, (g = { values, rows: [] }));
      }
      if (!first) first = g;
      if (!split && g !== first) {
        // the rows so far were all the first group's
        first.rows = rows.slice(0, i);
        split = true;
      }
      if (split) g.rows.push(row);
      lastGroup = g;
    }
    if (first && !split) first.rows = rows;
  }
  const adds: Add[] = [];
  for (const g of groups.values()) {
    for (let off = 0; off < g.rows.length; off += MAX_ROWS_PER_FILE) {
      const part = g.rows.length <= MAX_ROWS_PER_FILE ? g.rows : g.rows.slice(off, off + MAX_ROWS_PER_FILE);
      adds.push(await writeOne(target, dataFields, g.values, part, dataChange));
    }
  }
  return adds;
}

async function writeOne(target: WriteTarget, fields: StructField[], values: Record<string, string | null>, rows: Row[], dataChange: boolean): Promise<Add> {
  const folder = partitionFolder(values, target.partitionColumns);
  const name = `part-00000-${randomUUID()}-c000.zstd.parquet`;
  const path = folder ? `${folder}/${name}` : name;
  // beside its final name when the storage is local, so moving it in is a rename, not a copy
  const beside = target.storage.localPath(folder ? `${folder}/.${name}.tmp` : `.${name}.tmp`);
  const local = beside ?? join(tmpdir(), name);
  await fs.mkdir(dirname(local), { recursive: true });
  try {
    const { stats } = await writeParquet(local, fields, rows);
    const size = (await fs.stat(local)).size;
    await target.storage.putLocalFile(path, local);
    return {
      path: pathToUri(path),
      partitionValues: values,
      size,
      modificationTime: Date.now(),
      dataChange,
      stats: JSON.stringify(stats),
    };
  } finally {
    await fs.rm(local, { force: true });
  }
}
