// Topics the capture has just created can be listed before every broker serves their metadata;
// subscribing in that moment fails with a retriable protocol error ("This server does not host
// this topic-partition", "leader not available"). Consumers started beside the capture retry
// those errors for a while instead of dying at start, under the common retry policy (retry.ts).

import { errorMessage } from './errors.js';
import { withRetry } from './retry.js';

const TRANSIENT = /does not host this topic-partition|leader not available|not the leader|coordinator (is )?not available|rebalance in progress/i;

export function isTransientKafkaError(e: unknown): boolean {
  const err = e as { retriable?: boolean; message?: string } | undefined;
  return err?.retriable === true || TRANSIENT.test(errorMessage(e));
}

/** Runs `fn`, retrying transient broker errors with a short backoff for up to `withinMs`. */
export async function retryTransient<T>(fn: () => Promise<T>, withinMs = 30_000): Promise<T> {
  return withRetry(fn, {
    what: 'a broker request',
    transient: (e) => (isTransientKafkaError(e) ? { reason: errorMessage(e) } : undefined),
    withinMs,
    initialMs: 100,
    maxMs: 1000,
    // a topic being created is expected at start: not a warning
    logLevel: 'debug',
  });
}
