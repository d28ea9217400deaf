// Test access to the shared local stack (PostgreSQL + Kafka). `up` is idempotent, so each test
// file can ask for it; `npm test` has already started it.
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { defaultStack, stackEnv, stackUp } from '../../stack/stack.js';
import { recordRun } from './sweep.js';

export interface TestEnv {
  DATABASE_URL: string;
  KAFKA_BROKERS: string;
}

let ready: Promise<TestEnv> | undefined;

export function testStack(): Promise<TestEnv> {
  ready ??= (async () => {
    const s = defaultStack();
    await stackUp(s);
    return stackEnv(s);
  })();
  return ready;
}

/**
 * The test run's tag, in every name a test gives to what it creates (databases, slots, topics,
 * groups). `npm test` sets it for its whole run and sweeps the tag afterwards, so whatever a
 * failed or killed test left behind is dropped; a file run on its own registers its tag in the
 * stack folder, and the next `npm test` sweeps it once that process is gone (test/support/sweep.ts).
 */
export const TEST_RUN = process.env.LAKEHOUSE_TEST_RUN ?? registerRun(randomBytes(3).toString('hex'));

function registerRun(tag: string): string {
  if (process.env.NODE_TEST_CONTEXT) recordRun(defaultStack().dir, tag, process.pid);
  return tag;
}

/** A short random name for databases, slots, topics and groups a test owns. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${TEST_RUN}_${randomBytes(3).toString('hex')}`;
}

/** Creates an empty database for one test and returns its URL. */
export async function freshDatabase(env: TestEnv, name = uniqueName('t')): Promise<string> {
  const admin = new pg.Client({ connectionString: env.DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`create database ${pg.escapeIdentifier(name)}`);
  } finally {
    await admin.end();
  }
  const url = new URL(env.DATABASE_URL);
  url.pathname = `/${name}`;
  return url.toString();
}
