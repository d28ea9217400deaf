// The local development stack: PostgreSQL and Kafka in one folder, started and stopped together.
// Tests and the demo use the default one; a test that must kill a server starts a private stack
// in its own folder with its own ports.

import { join, resolve } from 'node:path';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { STACK_KAFKA_PORT, STACK_PG_PORT } from '../common/config.js';
import { kafkaBrokers, kafkaDown, kafkaUp, type KafkaOptions } from './kafka.js';
import { postgresDown, postgresUp, postgresUrl, type PostgresOptions } from './postgres.js';
import { withLockFile } from './process.js';
import { provision, STACK_NEEDS } from './provision.js';
import { projectRoot } from './paths.js';

export interface StackOptions {
  dir: string;
  pgPort: number;
  kafkaPort: number;
}

export function defaultStack(): StackOptions {
  return {
    dir: resolve(process.env.LAKEHOUSE_STACK_DIR ?? join(projectRoot(), '.stack')),
    pgPort: Number(process.env.LAKEHOUSE_PG_PORT ?? STACK_PG_PORT),
    kafkaPort: Number(process.env.LAKEHOUSE_KAFKA_PORT ?? STACK_KAFKA_PORT),
  };
}

export function pgOptions(s: StackOptions): PostgresOptions {
  return { dir: join(s.dir, 'postgres'), port: s.pgPort };
}

export function kafkaOptions(s: StackOptions): KafkaOptions {
  return { dir: join(s.dir, 'kafka'), port: s.kafkaPort, controllerPort: s.kafkaPort + 1 };
}

export function stackEnv(s: StackOptions): { DATABASE_URL: string; KAFKA_BROKERS: string } {
  return { DATABASE_URL: postgresUrl(pgOptions(s)), KAFKA_BROKERS: kafkaBrokers(kafkaOptions(s)) };
}

export async function stackUp(s: StackOptions, say: (s: string) => void = () => undefined): Promise<void> {
  // Everything missing is installed, or reported all at once, before anything starts.
  provision(STACK_NEEDS, say);
  mkdirSync(s.dir, { recursive: true, mode: 0o755 });
  await withLockFile(join(s.dir, 'up.lock'), 'starting the stack', async () => {
    await postgresUp(pgOptions(s), say);
    await kafkaUp(kafkaOptions(s), say);
  });
}

export async function stackDown(s: StackOptions, say: (s: string) => void = () => undefined): Promise<void> {
  await kafkaDown(kafkaOptions(s), say);
  postgresDown(pgOptions(s), say);
}

/**
 * Stops the stack and deletes its servers' data (databases, slots, topics), keeping the cached
 * Kafka download. Tests killed halfway leave databases, inactive slots that hold WAL back, and
 * topics behind; on a developer's machine they pile up and slow every later run.
 */
export async function stackWipe(s: StackOptions, say: (s: string) => void = () => undefined): Promise<void> {
  await stackDown(s, say);
  for (const dir of [pgOptions(s).dir, kafkaOptions(s).dir]) {
    if (!existsSync(dir)) continue;
    rmSync(dir, { recursive: true, force: true });
    say(`deleted ${dir}`);
  }
}
