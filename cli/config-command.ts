import type { Command } from './command.js';
import { configDocs, describeConfig, loadConfig } from '../common/config.js';

export const configCommand: Command = {
  name: 'config',
  summary: 'Show the effective configuration or the documentation of every option',
  subcommands: [
    {
      name: 'show',
      summary: 'Print the effective configuration as JSON (secrets hidden)',
      run: async () => {
        const config = loadConfig();
        process.stdout.write(JSON.stringify({ file: config.source.file ?? null, options: describeConfig(config) }, null, 2) + '\n');
      },
    },
    {
      name: 'docs',
      summary: 'Print every option as a Markdown table (docs/configuration.md is made from it)',
      run: async () => {
        process.stdout.write(configDocs() + '\n');
      },
    },
  ],
};
