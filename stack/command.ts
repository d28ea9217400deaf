import type { Command } from '../cli/command.js';
import { defaultStack, stackDown, stackEnv, stackUp, stackWipe } from './stack.js';

const say = (s: string) => process.stderr.write(`stack: ${s}\n`);

export const stackCommand: Command = {
  name: 'stack',
  summary: 'Start, stop and describe the local PostgreSQL + Kafka stack (no Docker needed)',
  description:
    'The stack lives in .stack/ (or $LAKEHOUSE_STACK_DIR): PostgreSQL with wal_level=logical on\n' +
    '127.0.0.1:54329 and a single-node Kafka broker in KRaft mode on 127.0.0.1:19092.\n' +
    'With Docker, `docker compose up` gives the same services with Redpanda instead.',
  subcommands: [
    {
      name: 'up',
      summary: 'Start PostgreSQL and Kafka (harmless when they already run)',
      run: async () => {
        const s = defaultStack();
        await stackUp(s, say);
        const env = stackEnv(s);
        say(`ready: DATABASE_URL=${env.DATABASE_URL.replace(/:[^:@/]+@/, ':***@')} KAFKA_BROKERS=${env.KAFKA_BROKERS}`);
      },
    },
    {
      name: 'down',
      summary: 'Stop PostgreSQL and Kafka (their data stays in the stack folder unless --wipe)',
      options: {
        wipe: { type: 'boolean', help: "also delete the servers' data (every database, replication slot and topic); the next `up` starts empty" },
      },
      run: async (args) => {
        if (args.values.wipe) await stackWipe(defaultStack(), say);
        else await stackDown(defaultStack(), say);
      },
    },
    {
      name: 'env',
      summary: 'Print DATABASE_URL and KAFKA_BROKERS for the stack (eval "$(lakehouse stack env --export)")',
      options: { export: { type: 'boolean', help: 'prefix each line with "export " for a shell' } },
      run: async (args) => {
        const env = stackEnv(defaultStack());
        const prefix = args.values.export ? 'export ' : '';
        for (const [k, v] of Object.entries(env)) process.stdout.write(`${prefix}${k}=${args.values.export ? `'${v}'` : v}\n`);
      },
    },
  ],
};
