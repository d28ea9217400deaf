import type { Command } from '../../cli/command.js';
import { loadConfig } from '../../common/config.js';
import { UserError } from '../../common/errors.js';
import { exportGold } from './export.js';

export const exportCommand: Command = {
  name: 'export',
  summary: 'Export the gold tables for Power BI: Parquet and CSV files, and PostgreSQL analytics.*',
  usage: '--to DIR [--postgres] [options]',
  description:
    'Writes, for each gold table, DIR/<table>.parquet (typed) and DIR/<table>.csv (UTF-8, header, ISO dates,\n' +
    "'.' decimals), then DIR/manifest.json with the Delta versions exported and the silver versions they cover.\n" +
    'With --postgres, also replaces the tables of the analytics schema in the database of DATABASE_URL\n' +
    '(database.url), one transaction per table. How to connect Power BI: docs/powerbi.md.',
  options: {
    to: { type: 'string', arg: 'DIR', help: 'folder for the Parquet and CSV files and manifest.json (created if missing)' },
    postgres: { type: 'boolean', help: 'also write gold into the analytics schema of DATABASE_URL' },
    root: { type: 'string', arg: 'ROOT', help: 'lake root: a folder, s3://bucket/prefix or az://container/prefix (overrides lake.root / LAKE_ROOT)' },
  },
  run: async (args) => {
    const config = loadConfig({ overrides: { 'lake.root': args.values.root } });
    const to = args.values.to as string | undefined;
    if (!to && !args.values.postgres) {
      throw new UserError('nothing to export to', { fix: 'give --to DIR for files, --postgres for the analytics schema, or both' });
    }
    const manifest = await exportGold({
      root: config.lake.root,
      sourceSchema: config.gold.sourceSchema,
      to,
      postgresUrl: args.values.postgres ? config.database.url : undefined,
    });
    for (const t of manifest.tables) {
      process.stdout.write(`${t.name.padEnd(22)} version ${String(t.version).padEnd(6)} ${t.rows} rows\n`);
    }
    if (!manifest.consistent) process.stdout.write('note: the gold tables covered different silver versions (see manifest.json)\n');
  },
};
