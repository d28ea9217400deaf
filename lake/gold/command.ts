import type { Command } from '../../cli/command.js';
import { loadConfig, type Config } from '../../common/config.js';
import { logger } from '../../common/log.js';
import { runService } from '../../cli/service.js';
import { GoldEngine, type GoldEngineOptions, type RefreshReport } from './engine.js';
import { GoldFollower, recordRefresh } from './follower.js';
import { goldPath } from './model.js';
import { GOLD_MODELS } from './models.js';
import { goldRules } from './rules.js';
import { silverPath, SILVER_TABLES } from './silver-inputs.js';

const log = logger('gold');

export function goldEngineOptions(config: Config): GoldEngineOptions {
  return {
    root: config.lake.root,
    sourceSchema: config.gold.sourceSchema,
    rules: goldRules(config),
    rowsPerFile: config.gold.rowsPerFile,
    compaction: config.lake.compactIntervalMs > 0 ? { minFiles: config.lake.compactMinFiles, intervalMs: config.lake.compactIntervalMs } : undefined,
  };
}

export const goldCommand: Command = {
  name: 'gold',
  summary: 'Keep the gold tables (enriched activities, benefits, HR flags, match crowd, KPIs) up to date from silver',
  description:
    'Follows silver/<schema>/employees, activities, stadiums, matches and crowd_readings and keeps\n' +
    'gold/activities_enriched, employee_benefits, hr_declaration_flags, match_crowd and kpis equal to\n' +
    'what the business rules compute from them, within seconds of a silver commit. Each gold commit\n' +
    'records the silver versions it covers, so a restart goes on from there and never applies a change\n' +
    'twice. The rules (bonus rate, distance limits, wellness days, risk weights) are the gold.* options\n' +
    '(lakehouse config docs); the tables and rules are described in docs/gold.md.',
  options: {
    root: { type: 'string', arg: 'ROOT', help: 'lake root: a folder, s3://bucket/prefix or az://container/prefix (overrides lake.root / LAKE_ROOT)' },
    once: { type: 'boolean', help: 'bring gold up to date with silver as it is now, then exit' },
    full: { type: 'boolean', help: 'recompute every gold table from silver instead of applying changes' },
    'metrics-port': { type: 'string', arg: 'PORT', help: 'port for /metrics and /health (overrides metrics.port; 0 = any free port)' },
  },
  run: async (args) => {
    const config = loadConfig({ overrides: { 'lake.root': args.values.root, 'metrics.port': args.values['metrics-port'] } });
    const engine = new GoldEngine(goldEngineOptions(config));
    const schema = config.gold.sourceSchema;
    if (args.values.once) {
      const reports: RefreshReport[] = [];
      const started = await engine.start({ full: args.values.full === true });
      if (started) reports.push(started);
      const refreshed = await engine.refresh();
      if (refreshed) reports.push(refreshed);
      for (const r of reports) {
        recordRefresh(engine, r, schema);
        const what = r.mode === 'full' ? `recomputed in full (${r.reason})` : `applied ${Object.entries(r.changes).map(([t, n]) => `${n} ${t} changes`).join(', ')}`;
        process.stdout.write(`gold ${what} in ${(r.ms / 1000).toFixed(1)} s\n`);
      }
      if (reports.length === 0) process.stdout.write('gold was already up to date with silver\n');
      const counts = engine.rowCounts();
      for (const m of GOLD_MODELS) process.stdout.write(`  ${goldPath(m).padEnd(26)} version ${String(engine.goldTable(m.name)!.version).padEnd(6)} ${counts[m.name]} rows\n`);
      const covered = engine.covered();
      process.stdout.write(`  silver covered: ${SILVER_TABLES.map((t) => `${silverPath(schema, t)}@${covered[t] < 0 ? 'none' : covered[t]}`).join(', ')}\n`);
      return;
    }
    const follower = () => new GoldFollower(engine, { pollIntervalMs: config.gold.pollIntervalMs, sourceSchema: schema, full: args.values.full === true });
    log.info('gold started', { lake: config.lake.root, silver: `silver/${schema}` });
    await runService(config, log, follower, 'finishing the refresh in flight and stopping');
  },
};
