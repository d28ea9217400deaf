// `lakehouse quality report` and `lakehouse quality rules`.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { intFlag, type Command } from '../cli/command.js';
import { loadConfig } from '../common/config.js';
import { describeLakeRoot } from '../lake/index.js';
import { logger } from '../common/log.js';
import { DEFAULT_RULES_DIR, QualityGate } from './gate.js';
import { readReportData } from './report/read.js';
import { renderReport } from './report/render.js';

const log = logger('quality');

export const qualityCommand: Command = {
  name: 'quality',
  summary: 'Check the quality rule files, or write the HTML quality report',
  subcommands: [
    {
      name: 'report',
      summary: 'Write a static HTML report from quality_results and the quarantine tables',
      description:
        'Reads the quality_results Delta table and every quarantine/<schema>/<table> of the lake and writes\n' +
        'one self-contained HTML file (DIR/index.html) that opens offline: per table and rule the pass\n' +
        'rate overall and over time, and the latest quarantined records with the rule and message.',
      options: {
        out: { type: 'string', arg: 'DIR', help: 'folder to write index.html to (default: quality.reportDir)' },
        root: { type: 'string', arg: 'ROOT', help: 'lake root: a folder, s3://bucket/prefix or az://container/prefix (default: lake.root / LAKE_ROOT)' },
        latest: { type: 'string', arg: 'N', default: '50', help: 'quarantined records shown per table, newest first' },
        days: { type: 'string', arg: 'N', default: '30', help: 'days of results shown (older day partitions are not read)' },
      },
      run: async (args) => {
        const config = loadConfig({ overrides: { 'lake.root': args.values.root, 'quality.reportDir': args.values.out } });
        const lakeRoot = describeLakeRoot(config.lake.root);
        const data = await readReportData(lakeRoot, intFlag(args, 'latest', 50), intFlag(args, 'days', 30));
        const out = resolve(config.quality.reportDir);
        mkdirSync(out, { recursive: true });
        const file = join(out, 'index.html');
        writeFileSync(file, renderReport(data, { generatedAt: new Date(), lakeRoot }));
        log.info('quality report written', { results: data.results.length, quarantinedTables: data.quarantine.size });
        process.stdout.write(`${file}\n`);
      },
    },
    {
      name: 'rules',
      summary: 'Load and check the rule files; list each table\'s rules',
      description: 'Every error names the file, the JSON path in it and the reason. Exit code 1 when a file is wrong.',
      options: { dir: { type: 'string', arg: 'DIR', help: 'rules folder (default: quality.rulesDir, else the project\'s quality/rules)' } },
      run: async (args) => {
        const config = loadConfig({ overrides: { 'quality.rulesDir': args.values.dir } });
        const gate = QualityGate.load(config.quality.rulesDir || DEFAULT_RULES_DIR);
        const lines = [`rules folder: ${gate.dir}`];
        for (const t of gate.tables()) {
          const deps = gate.dependencies(t);
          lines.push('', `${t}${deps.length ? `  (after ${deps.join(', ')})` : ''}`);
          for (const r of gate.rules(t)) lines.push(`  ${r.name.padEnd(40)} ${r.type.padEnd(18)} ${r.action.padEnd(10)} mostly ${r.mostly}`);
        }
        process.stdout.write(lines.join('\n') + '\n');
      },
    },
  ],
};
