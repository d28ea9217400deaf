// `lakehouse table ...`: look at and maintain Delta tables from the shell. Paths are relative to
// the lake root (--root, else lake.root / LAKE_ROOT) and may not leave it.

import { existsSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { UserError } from '../common/errors.js';
import { textTable } from '../cli/text-table.js';
import { intFlag, type Command, type ParsedArgs } from '../cli/command.js';
import { loadConfig } from '../common/config.js';
import { DeltaTable } from './table.js';
import type { Row } from './kernel/values.js';
import type { Filter, FilterOp } from './kernel/stats.js';
import { csvHeader, csvLine } from './export/csv.js';

const ROOT = { type: 'string' as const, arg: 'ROOT', help: 'lake root the table path is inside: a folder, s3://bucket/prefix or az://container/prefix (default: lake.root / LAKE_ROOT)' };

function root(args: ParsedArgs): string {
  return typeof args.values.root === 'string' ? args.values.root : loadConfig().lake.root;
}

/**
 * The table's path inside the lake root. Paths are relative to the root (`gold/kpis`), but a path
 * typed from the shell that leads into a local root (`lakehouse-data/gold/kpis`, or an absolute
 * one) means the same table, so it is taken as such rather than looked for under the root twice.
 */
function tablePath(args: ParsedArgs, usage: string): string {
  const [path, ...extra] = args.positionals;
  if (!path || extra.length) throw new UserError(`expected one table path, got ${args.positionals.length}`, { fix: `usage: lakehouse table ${usage}` });
  const lake = root(args);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(lake)) return path;
  const fromHere = relative(resolve(lake), resolve(path));
  const insideRoot = fromHere !== '' && !fromHere.startsWith('..') && !isAbsolute(fromHere);
  if (insideRoot && existsSync(resolve(path))) return fromHere.split(sep).join('/');
  return path;
}

/** Opens the table, saying where paths are looked for when there is none. */
async function openTable(args: ParsedArgs, usage: string, opts: { version?: number; timestamp?: string } = {}): Promise<DeltaTable> {
  const path = tablePath(args, usage);
  try {
    return await DeltaTable.open(root(args), path, opts);
  } catch (e) {
    if (e instanceof UserError && /^no Delta table at/.test(e.message)) {
      throw new UserError(e.message, {
        fix: `table paths are relative to the lake root ${root(args)} (--root, LAKE_ROOT), e.g. bronze/public/activities, silver/public/activities, gold/kpis; or give a path from here into that root`,
      });
    }
    throw e;
  }
}

function versionOpts(args: ParsedArgs): { version?: number; timestamp?: string } {
  const out: { version?: number; timestamp?: string } = {};
  if (args.values.version !== undefined) out.version = intFlag(args, 'version', 0);
  if (typeof args.values.timestamp === 'string') out.timestamp = args.values.timestamp;
  return out;
}

function jsonValue(v: unknown): unknown {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : String(v);
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (Array.isArray(v)) return v.map(jsonValue);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, jsonValue(x)]));
  return v;
}

/** --where 'col=value' (also != < <= > >=) filters, values typed by the column. */
function parseWhere(raw: unknown): Filter[] {
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  return list.map((w) => {
    const m = /^\s*([^=<>!\s]+)\s*(<=|>=|!=|=|<|>)\s*(.*)$/.exec(String(w));
    if (!m) throw new UserError(`cannot read --where "${w}"`, { fix: "write it as column=value (or !=, <, <=, >, >=), e.g. --where 'op=d'" });
    const value = m[3] === 'null' ? null : m[3];
    if (value === null) return { column: m[1]!, op: (m[2] === '!=' ? 'is not null' : 'is null') as FilterOp };
    return { column: m[1]!, op: m[2] as FilterOp, value };
  });
}

const out = (s: string) => process.stdout.write(s);

const history: Command = {
  name: 'history',
  summary: 'List the commits of a table, newest first',
  usage: '<path> [--limit N] [--json]',
  options: { root: ROOT, limit: { type: 'string', arg: 'N', help: 'show at most N commits' }, json: { type: 'boolean', help: 'one JSON object per line' } },
  run: async (args) => {
    const table = await openTable(args, 'history <path>');
    const limit = args.values.limit === undefined ? undefined : intFlag(args, 'limit', 0);
    const commits = await table.history(limit);
    if (args.values.json) {
      for (const h of commits) out(JSON.stringify({ version: h.version, timestamp: h.timestamp.toISOString(), operation: h.operation, operationParameters: h.operationParameters, operationMetrics: h.commitInfo.operationMetrics }) + '\n');
      return;
    }
    out(textTable(['version', 'timestamp', 'operation', 'parameters'], commits.map((h) => [String(h.version), h.timestamp.toISOString(), h.operation ?? '?', JSON.stringify(h.operationParameters)]), '') + '\n');
  },
};

const schema: Command = {
  name: 'schema',
  summary: 'Print the schema, partition columns, protocol and properties of a table',
  usage: '<path> [--version N]',
  options: { root: ROOT, version: { type: 'string', arg: 'N', help: 'at this version' }, timestamp: { type: 'string', arg: 'TIME', help: 'at the version current at this time' } },
  run: async (args) => {
    const table = await openTable(args, 'schema <path>', versionOpts(args));
    out(JSON.stringify({ version: table.version, schema: table.schema, partitionColumns: table.partitionColumns, protocol: table.protocol, configuration: table.metadata.configuration }, null, 2) + '\n');
  },
};

const scan: Command = {
  name: 'scan',
  summary: 'Print the rows of a table as JSON lines or CSV',
  usage: '<path> [--version N] [--limit N] [--format jsonl|csv] [--where col=value]...',
  options: {
    root: ROOT,
    version: { type: 'string', arg: 'N', help: 'read this version (time travel)' },
    timestamp: { type: 'string', arg: 'TIME', help: 'read the version current at this time (ISO-8601)' },
    limit: { type: 'string', arg: 'N', help: 'print at most N rows' },
    format: { type: 'string', arg: 'FMT', default: 'jsonl', help: 'jsonl or csv' },
    columns: { type: 'string', arg: 'A,B', help: 'only these columns' },
    where: { type: 'string', multiple: true, arg: 'COND', help: 'keep rows where column=value (!=, <, <=, >, >= too; value null for IS NULL); repeat to AND' },
  },
  run: async (args) => {
    const format = String(args.values.format ?? 'jsonl');
    if (format !== 'jsonl' && format !== 'csv') throw new UserError(`--format must be jsonl or csv, got "${format}"`);
    const table = await openTable(args, 'scan <path>', versionOpts(args));
    const columns = typeof args.values.columns === 'string' ? args.values.columns.split(',').map((c) => c.trim()).filter(Boolean) : undefined;
    const names = columns ?? table.schema.fields.map((f) => f.name);
    const fields = names.map((n) => ({ name: n, type: table.schema.fields.find((f) => f.name === n)?.type ?? 'string' }));
    if (format === 'csv') out(csvHeader(names) + '\n');
    const limit = args.values.limit === undefined ? undefined : intFlag(args, 'limit', 0);
    for await (const batch of table.scan({ filters: parseWhere(args.values.where), ...(columns ? { columns } : {}), ...(limit !== undefined ? { limit } : {}) })) {
      const text = batch.map((r: Row) => (format === 'csv' ? csvLine(r, fields) : JSON.stringify(jsonValue(r)))).join('\n');
      if (!out(text + '\n')) await new Promise((r) => process.stdout.once('drain', r));
    }
  },
};

const optimize: Command = {
  name: 'optimize',
  summary: 'Compact small files into bigger ones (no data change; safe beside running appends)',
  usage: '<path> [--target-size MB] [--dry-run]',
  options: { root: ROOT, 'target-size': { type: 'string', arg: 'MB', default: '100', help: 'target file size in MiB' }, 'dry-run': { type: 'boolean', help: 'only say what would be compacted' } },
  run: async (args) => {
    const table = await openTable(args, 'optimize <path>');
    const res = await table.optimize({ targetSize: intFlag(args, 'target-size', 100) * 1024 * 1024, dryRun: Boolean(args.values['dry-run']) });
    out(JSON.stringify(res) + '\n');
  },
};

const vacuum: Command = {
  name: 'vacuum',
  summary: 'Delete data files no version within the retention period needs',
  usage: '<path> [--retention-hours H] [--dry-run] [--force]',
  options: {
    root: ROOT,
    'retention-hours': { type: 'string', arg: 'H', help: "keep files needed by the last H hours (default: the table's, 168)" },
    'dry-run': { type: 'boolean', help: 'list the files, delete nothing' },
    force: { type: 'boolean', help: "allow a retention shorter than the table's" },
  },
  run: async (args) => {
    const table = await openTable(args, 'vacuum <path>');
    const res = await table.vacuum({
      ...(args.values['retention-hours'] !== undefined ? { retentionHours: intFlag(args, 'retention-hours', 168) } : {}),
      dryRun: Boolean(args.values['dry-run']),
      enforceRetention: !args.values.force,
    });
    for (const f of res.files) out(`${res.dryRun ? 'would delete' : 'deleted'} ${f}\n`);
    out(`${res.files.length} file(s) ${res.dryRun ? 'would be deleted' : 'deleted'}\n`);
  },
};

export const tableCommand: Command = {
  name: 'table',
  summary: 'Inspect and maintain Delta tables (history, schema, scan, optimize, vacuum)',
  subcommands: [history, schema, scan, optimize, vacuum],
};
