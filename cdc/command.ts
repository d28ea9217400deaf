import type { Command } from '../cli/command.js';

export const cdcCommand: Command = {
  name: 'cdc',
  summary: 'Capture PostgreSQL changes into Debezium-compatible events on the broker',
  run: async () => {
    throw new Error('not yet');
  },
};
