// Topics the capture has just created can be listed before every broker serves their metadata;
// subscribing in that moment fails with a retriable protocol error ("This server does not host
// this topic-partition", "leader not available"). Consumers started beside the capture retry
// those errors for a while instead of dying at start.

import { errorMessage } from './errors.js';

const TRANSIENT = /does not host this topic-partition|leader not available|not the leader|coordinator (is )?not available|rebalance in progress/i;

export function isTransientKafkaError(e: unknown): boolean {
  const err = e as { retriable?: boolean; message?: string } | undefined;
  return err?.retriable === true || TRANSIENT.test(errorMessage(e));
}

/** Runs `fn`, retrying transient broker errors with a short backoff for up to `withinMs`. */
export async function retryTransient<T>(fn: () => Promise<T>, withinMs = 30_000): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (!isTransientKafkaError(e) || Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, Math.min(1000, 100 * attempt)));
    }
  }
}
