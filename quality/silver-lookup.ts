// A GateContext over the lake's silver tables, for a stage that has no faster index of its own:
// each lookup reads the needed columns of silver/<schema>/<table> at its latest version (files
// skipped by their statistics when the values are few). A table that does not exist yet holds
// nothing.

import { DeltaTable, type Filter } from '../lake/index.js';
import { layerPath, splitTableName } from '../lake/layers.js';
import type { GateContext } from './types.js';
import { keyString, recordKeyString } from './values.js';

export function silverPath(table: string): string {
  const { schema, table: name } = splitTableName(table);
  return layerPath('silver', schema, name);
}

// Above this many values the 'in' filter costs more (each row against each value) than it skips.
const FILTER_LIMIT = 64;

export function silverLookup(lakeRoot: string, opts: { now?: () => Date; pathOf?: (table: string) => string } = {}): GateContext {
  const pathOf = opts.pathOf ?? silverPath;
  const read = async (table: string, columns: string[], column: string, values: unknown[]) => {
    const t = await DeltaTable.openIfExists(lakeRoot, pathOf(table));
    if (!t || values.length === 0) return [];
    const filters: Filter[] = values.length <= FILTER_LIMIT ? [{ column, op: 'in', value: values }] : [];
    return t.rows({ columns, filters });
  };
  return {
    now: opts.now ?? (() => new Date()),
    async lookup(table, column, values) {
      const wanted = new Set(values.map(keyString));
      const out = new Set<string>();
      for (const row of await read(table, [column], column, values)) {
        const k = keyString(row[column]);
        if (wanted.has(k)) out.add(k);
      }
      return out;
    },
    async owners(table, column, values, keyColumns) {
      const wanted = new Set(values.map(keyString));
      const out = new Map<string, string[]>();
      for (const row of await read(table, [...new Set([column, ...keyColumns])], column, values)) {
        const k = keyString(row[column]);
        if (!wanted.has(k)) continue;
        const key = recordKeyString(Object.fromEntries(keyColumns.map((c) => [c, row[c]])));
        const list = out.get(k);
        if (list) list.push(key);
        else out.set(k, [key]);
      }
      return out;
    },
  };
}
