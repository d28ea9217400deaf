import type { Command } from '../cli/command.js';
import { intFlag } from '../cli/command.js';
import { loadConfig } from '../common/config.js';
import { UserError } from '../common/errors.js';
import { logger } from '../common/log.js';
import { textClient } from '../cdc/catalog.js';
import { createDemoSchema, insertLive, loadDemoData } from './generate.js';

const log = logger('generate');

export const generateCommand: Command = {
  name: 'generate',
  summary: 'Create and fill the demo tables in PostgreSQL, then keep inserting live rows',
  description:
    'Creates employees, activities, stadiums, matches and crowd_readings in the source database\n' +
    '(DATABASE_URL) when missing, fills empty ones (161 employees over 5 business units, twelve months\n' +
    'of activities, the nine AFCON 2025 stadiums, the tournament\'s 52 matches and their crowd readings),\n' +
    'then inserts new activities and crowd readings at --rate rows/s for --duration seconds.\n' +
    'With --bad-rate R, that share of the live rows are bad ones (negative or absurd distances, an unknown\n' +
    'employee, an end before the start, a distance for climbing, a future date, a new employee paid\n' +
    'nothing) for the quality gate to quarantine.',
  options: {
    rate: { type: 'string', arg: 'ROWS_PER_S', default: '5', help: 'live rows per second' },
    duration: { type: 'string', arg: 'SECONDS', default: '60', help: 'how long to insert live rows (0: load only)' },
    seed: { type: 'string', arg: 'N', default: '2025', help: 'random seed: the same seed gives the same data set' },
    reset: { type: 'boolean', help: 'drop the demo tables first' },
    'bad-rate': { type: 'string', arg: 'R', default: '0', help: 'share of live rows (0 to 1) sent bad, for the quality gate to catch (docs/quality.md)' },
  },
  run: async (args) => {
    const config = loadConfig();
    const rate = intFlag(args, 'rate', 5);
    const duration = intFlag(args, 'duration', 60);
    const seed = intFlag(args, 'seed', 2025);
    if (rate === 0 && duration > 0) throw new UserError('--rate must be at least 1 when --duration is not 0');
    const badRate = Number(args.values['bad-rate'] ?? 0);
    if (!(badRate >= 0 && badRate <= 1)) throw new UserError(`--bad-rate must be a number from 0 to 1, got "${String(args.values['bad-rate'])}"`, { fix: 'e.g. --bad-rate 0.05 sends one bad row in twenty' });
    const client = textClient(config.database.url);
    try {
      await client.connect();
    } catch (e) {
      throw new UserError(`cannot connect to PostgreSQL: ${(e as Error).message}`, { fix: 'start it (`lakehouse stack up`) or set DATABASE_URL' });
    }
    const signal = { stopped: false };
    process.once('SIGINT', () => (signal.stopped = true));
    try {
      await createDemoSchema(client, args.values.reset === true);
      const loaded = await loadDemoData(client, seed);
      log.info('demo data loaded', { ...loaded });
      if (duration > 0) {
        const live = await insertLive(client, { rate, durationS: duration, seed, signal, badRate });
        if (badRate > 0) log.info('bad rows sent among the live rows', { ...live.bad });
      }
    } finally {
      await client.end();
    }
  },
};
