// Where each layer keeps a source table: bronze/<schema>/<table>, silver/<schema>/<table>,
// quarantine/<schema>/<table>. Schema and table names come from the source database and may hold
// any character, so each becomes one folder name: letters, digits, '_' and '-' as they are,
// everything else (including '.', '/', and so '..') as %XX of its UTF-8 bytes. The path is then
// resolved inside the lake root (a folder or an object store) by the storage layer, which refuses
// anything that escapes.

import { rootStorage } from './storage/root.js';
import type { Storage } from './storage/storage.js';

export type Layer = 'bronze' | 'silver' | 'quarantine';

export function folderName(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]/gu, (ch) =>
    [...Buffer.from(ch, 'utf8')].map((b) => '%' + b.toString(16).toUpperCase().padStart(2, '0')).join(''),
  ) || '%00';
}

/** The name a folderName() came from. */
export function nameOfFolder(folder: string): string {
  return Buffer.from(folder.replace(/%([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');
}

/**
 * Whether a _delta_log holds a table yet. The folder appears before the first commit is linked into
 * it, and a reader that opens the table in between finds none (silver stopped on that while bronze
 * created a table), so a table counts from its first commit (or, after log cleanup, a checkpoint).
 * On an object store there are no folders, only keys: the same checks, by key.
 */
export async function hasCommit(storage: Storage, table: string): Promise<boolean> {
  const log = table ? `${table}/_delta_log` : '_delta_log';
  if ((await storage.stat(`${log}/00000000000000000000.json`)) || (await storage.stat(`${log}/_last_checkpoint`))) return true;
  return (await storage.list(log)).some((f) => /^\d{20}\.(json|checkpoint(\.\d+\.\d+)?\.parquet)$/.test(f.path.slice(f.path.lastIndexOf('/') + 1)));
}

/** Source tables ("schema.table") that have a Delta table in the layer. */
export async function tablesInLayer(lakeRoot: string, layer: Layer): Promise<string[]> {
  const root = rootStorage(lakeRoot);
  const out: string[] = [];
  for (const schema of await root.listFolders(layer)) {
    for (const table of await root.listFolders(`${layer}/${schema}`)) {
      const path = `${layer}/${schema}/${table}`;
      // a table that had a commit keeps it: silver asks every half second, an object store bills each look
      const known = `${root.location}/${path}`;
      if (withCommit.has(known) || (await hasCommit(root, path))) {
        withCommit.add(known);
        out.push(`${nameOfFolder(schema)}.${nameOfFolder(table)}`);
      }
    }
  }
  return out.sort();
}

const withCommit = new Set<string>();

/** The table path of a source table in a layer, relative to the lake root. */
export function layerPath(layer: Layer, schema: string, table: string): string {
  return `${layer}/${folderName(schema)}/${folderName(table)}`;
}

/** "schema.table" split at its first dot (as the capture's schema records name tables). */
export function splitTableName(qualified: string): { schema: string; table: string } {
  const i = qualified.indexOf('.');
  return i < 0 ? { schema: 'public', table: qualified } : { schema: qualified.slice(0, i), table: qualified.slice(i + 1) };
}
