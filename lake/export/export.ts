// `lakehouse export`: the gold tables for Power BI, from one consistent snapshot of gold.
//
//   DIR/<table>.parquet   typed, key order
//   DIR/<table>.csv       UTF-8, header, ISO dates, '.' decimals
//   DIR/manifest.json     per table: Delta version, silver versions covered, rows, columns, files
//   analytics.<table>     in PostgreSQL (--postgres), each replaced in one transaction,
//                         and analytics.export_manifest
//
// manifest.json is written last, so a folder whose manifest names a version holds that version.

import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { progress } from '../../common/progress.js';
import { rowCount } from '../gold/gold-writer.js';
import { typeName } from '../kernel/schema.js';
import { withConnection } from '../parquet/duck.js';
import { COLUMN_DOCS, columnDoc } from '../gold/column-docs.js';
import { CSV_FORMULA_PREFIX } from './csv.js';
import { createSnapshotView } from './duck-files.js';
import { writeCsvFile, writeParquetFile } from './files.js';
import { openGoldSnapshot } from './gold-snapshot.js';
import { ANALYTICS_SCHEMA, connectPostgres, replaceAnalyticsTable } from './postgres.js';

export interface ExportOptions {
  root: string;
  sourceSchema: string;
  /** Folder for the files; undefined: no files. */
  to?: string;
  /** PostgreSQL URL for the analytics schema; undefined: no database. */
  postgresUrl?: string;
  /** Longest wait for a refresh in flight to finish before exporting. */
  waitMs?: number;
}

export interface ManifestTable {
  name: string;
  delta_path: string;
  version: number;
  rows: number;
  key: string[];
  silver_versions: Record<string, number>;
  files: { parquet: string; csv: string } | null;
  description: string;
  /** What a row is and how to add the table up (e.g. the annual bonus on one row per employee). */
  grain: string;
  columns: Array<{ name: string; type: string; nullable: boolean; label: string; description: string }>;
}

export interface Manifest {
  exported_at: string;
  lake_root: string;
  consistent: boolean;
  csv: {
    format: string;
    /** Import with this culture: '.' decimals, no digit grouping. */
    culture: string;
    decimal_separator: string;
    /** Put before text that starts like a formula (=, +, -, @, tab, CR) in the CSV only. */
    formula_prefix: string;
  };
  postgres_schema: string | null;
  tables: ManifestTable[];
}

export async function exportGold(opts: ExportOptions): Promise<Manifest> {
  const snapshot = await openGoldSnapshot(opts.root, opts.sourceSchema, { waitMs: opts.waitMs });
  const rows = new Map(snapshot.tables.map((t) => [t.model.name, rowCount(t.table)]));
  const total = [...rows.values()].reduce((a, b) => a + b, 0);
  // Each row goes to every output (Parquet, CSV, PostgreSQL): the bar counts a table's rows as
  // done in proportion to its outputs written, so its total is the number of rows exported.
  const steps = (opts.to ? 2 : 0) + (opts.postgresUrl ? 1 : 0);
  const bar = progress('export', total);
  let written = 0;
  const advance = (n: number, note: string) => {
    written += n;
    bar.update(Math.round(written / steps), note);
  };
  const manifest: Manifest = {
    exported_at: new Date().toISOString(),
    lake_root: resolve(opts.root),
    consistent: snapshot.consistent,
    csv: {
      format: "UTF-8, comma-separated, header row, ISO-8601 dates, timestamps in UTC (…Z), empty field = null, \"\" = empty text; never exactly three digits after a decimal point (10.8000), so no locale reads a number as thousands",
      culture: 'en-US',
      decimal_separator: '.',
      formula_prefix: CSV_FORMULA_PREFIX,
    },
    postgres_schema: opts.postgresUrl ? ANALYTICS_SCHEMA : null,
    tables: snapshot.tables.map(({ model, table, silverVersions }) => ({
      name: model.name,
      delta_path: `gold/${model.name}`,
      version: table.version,
      rows: rows.get(model.name)!,
      key: model.keys,
      silver_versions: silverVersions,
      files: opts.to ? { parquet: `${model.name}.parquet`, csv: `${model.name}.csv` } : null,
      description: COLUMN_DOCS[model.name]?.description ?? '',
      grain: COLUMN_DOCS[model.name]?.grain ?? '',
      columns: table.schema.fields.map((f) => ({ name: f.name, type: typeName(f.type), nullable: f.nullable, ...columnDoc(model.name, f.name) })),
    })),
  };

  if (opts.to) {
    const dir = opts.to;
    await mkdir(dir, { recursive: true });
    await withConnection(async (c) => {
      for (const { model, table } of snapshot.tables) {
        const view = `export_${model.name}`;
        await createSnapshotView(c, view, table);
        await writeParquetFile(c, view, model.keys, join(dir, `${model.name}.parquet`));
        advance(rows.get(model.name)!, `${model.name}.parquet`);
        await writeCsvFile(c, view, table.schema.fields, model.keys, join(dir, `${model.name}.csv`));
        advance(rows.get(model.name)!, `${model.name}.csv`);
        await c.run(`DROP VIEW IF EXISTS "${view}"`);
      }
    });
  }

  if (opts.postgresUrl) {
    const client = await connectPostgres(opts.postgresUrl);
    try {
      for (const t of snapshot.tables) {
        await replaceAnalyticsTable(client, t, (n) => advance(n, `${ANALYTICS_SCHEMA}.${t.model.name}`));
      }
    } finally {
      await client.end();
    }
  }

  if (opts.to) {
    const file = join(opts.to, 'manifest.json');
    await writeFile(`${file}.tmp`, JSON.stringify(manifest, null, 2) + '\n');
    await rename(`${file}.tmp`, file);
  }
  bar.finish(`${snapshot.tables.length} tables, ${total.toLocaleString('en')} rows${opts.to ? ` to ${opts.to}` : ''}${opts.postgresUrl ? ` and ${ANALYTICS_SCHEMA}.*` : ''}`);
  return manifest;
}
