import type { Command } from '../../cli/command.js';
import { loadConfig, type Config } from '../../common/config.js';
import { logger } from '../../common/log.js';
import { runService } from '../../cli/service.js';
import { QualityGate } from '../../quality/gate.js';
import { qualityChangeGate } from '../../quality/silver-gate.js';
import type { ChangeGate } from './gate.js';
import { SilverWriter, type SilverOptions } from './writer.js';

const log = logger('silver');

export function silverOptions(config: Config): SilverOptions {
  return {
    lakeRoot: config.lake.root,
    tables: config.silver.tables,
    intervalMs: config.silver.intervalMs,
    maxBatchRows: config.silver.maxBatchRows,
    compaction: config.lake.compactIntervalMs > 0 ? { intervalMs: config.lake.compactIntervalMs, minFiles: config.lake.compactMinFiles, targetBytes: config.silver.fileTargetBytes } : undefined,
  };
}

/** The gate silver runs behind: the project's quality rules (quality/rules, or quality.rulesDir). */
export async function silverGate(config: Config): Promise<ChangeGate> {
  return qualityChangeGate(QualityGate.fromConfig(config), config.lake.root, { foreignKeyWaitMs: config.quality.foreignKeyWaitMs });
}

export const silverCommand: Command = {
  name: 'silver',
  summary: 'Keep a current-state Delta table per source table, from bronze',
  description:
    'Reads each bronze/<schema>/<table> as a stream and merges its changes, in change order, into\n' +
    'silver/<schema>/<table>: inserts and updates upserted by primary key, deletes removed, truncates\n' +
    'applied, unchanged TOASTed values kept. Each commit records the bronze version it reached, so\n' +
    'it resumes exactly there. Every change passes the quality gate first (quality/rules).\n' +
    'Configuration: LAKE_ROOT and silver.* (lakehouse config docs).',
  options: {
    root: { type: 'string', arg: 'ROOT', help: 'lake root: a folder, s3://bucket/prefix or az://container/prefix (overrides lake.root / LAKE_ROOT)' },
    once: { type: 'boolean', help: 'apply what bronze holds now, then exit' },
    'metrics-port': { type: 'string', arg: 'PORT', help: 'port for /metrics and /health (overrides metrics.port; 0 = any free port)' },
  },
  run: async (args) => {
    const config = loadConfig({ overrides: { 'lake.root': args.values.root, 'metrics.port': args.values['metrics-port'] } });
    const writer = new SilverWriter(silverOptions(config), await silverGate(config));
    if (args.values.once) {
      for (const r of await writer.cycle()) {
        process.stdout.write(`${r.table}: bronze v${r.bronzeVersion} → silver v${r.silverVersion} (${r.changes} changes${r.quarantined ? `, ${r.quarantined} quarantined` : ''})\n`);
      }
      return;
    }
    log.info('silver writer started', { lake: config.lake.root });
    await runService(config, log, writer, 'finishing the merge in flight and stopping');
  },
};
