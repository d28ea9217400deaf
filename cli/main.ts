// The `lakehouse` program: one subcommand per part of the pipeline. Each part's folder owns its
// command (cdc/command.ts, lake/command.ts, ...); this file only lists them.

import { dispatch, type Command } from './command.js';
import { isUserError } from '../common/errors.js';
import { redact } from '../common/log.js';
import { configCommand } from './config-command.js';
import { runCommand } from './run-command.js';
import { statusCommand } from './status-command.js';
import { stackCommand } from '../stack/command.js';
import { cdcCommand } from '../cdc/command.js';
import { generateCommand } from '../demo/command.js';
import { demoCommand } from '../demo/demo-command.js';
import { notifyCommand } from '../notifier/command.js';
import { tableCommand } from '../lake/command.js';
import { qualityCommand } from '../quality/command.js';
import { bronzeCommand } from '../lake/bronze/command.js';
import { silverCommand } from '../lake/silver/command.js';
import { goldCommand } from '../lake/gold/command.js';
import { exportCommand } from '../lake/export/command.js';

export const commands: Command[] = [demoCommand, stackCommand, runCommand, cdcCommand, bronzeCommand, silverCommand, goldCommand, exportCommand, statusCommand, generateCommand, notifyCommand, tableCommand, qualityCommand, configCommand];

const root: Command = {
  name: 'lakehouse',
  summary: 'Change-data-capture lakehouse: PostgreSQL changes through Redpanda into Delta Lake tables.',
  subcommands: commands,
};

export async function main(argv: string[]): Promise<number> {
  try {
    return await dispatch(root, argv);
  } catch (e) {
    if (isUserError(e)) {
      process.stderr.write(redact(e.describe()) + '\n');
      return 1;
    }
    process.stderr.write(redact(`unexpected error: ${(e as Error)?.stack ?? String(e)}`) + '\n');
    return 70;
  }
}
