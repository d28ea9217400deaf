// Test access to the shared local stack (PostgreSQL + Kafka). `up` is idempotent, so each test
// file can ask for it; CI has already started it.
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { defaultStack, stackEnv, stackUp } from '../../stack/stack.js';

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

/** A short random name for databases, slots, topics and groups a test owns. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(4).toString('hex')}`;
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
