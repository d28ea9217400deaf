// The one retry policy for calls to services that fail for a while and then work again (a broker
// electing a leader, an object store throttling or answering 5xx): a call is tried again while its
// error is transient, after a jittered exponential backoff (or the wait the service asked for),
// until a deadline. Each wait is said in the log with its reason, so an operator sees what the
// part waits for; what is not transient, or lasts past the deadline, is thrown as it came.

import { errorMessage } from './errors.js';
import { logger } from './log.js';

const log = logger('retry');

/** What a failed attempt means for the next one. */
export interface Transient {
  /** Short reason for the log ("503 SlowDown", "ECONNRESET"). */
  reason: string;
  /** Wait the service asked for (Retry-After), instead of the backoff. */
  waitMs?: number;
}

export interface RetryOptions {
  /** What is being done, for the log: "S3 PUT s3://bucket/t/_delta_log/…json". */
  what: string;
  /** Transient when it returns a reason; undefined means: throw the error now. */
  transient: (e: unknown) => Transient | undefined;
  /** Give up once this long has passed since the first attempt (default 60 s). */
  withinMs?: number;
  /** First backoff (default 100 ms); doubles per attempt up to maxMs (default 5 s). */
  initialMs?: number;
  maxMs?: number;
  /** Level of the retry lines (default warn; debug for retries that are part of normal operation). */
  logLevel?: 'debug' | 'warn';
  /** Called before each new attempt with its number (2, 3, ...). */
  onRetry?: (attempt: number, t: Transient) => void;
}

/** Runs `fn(attempt)` (attempt 1, 2, ...) under the retry policy. */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, o: RetryOptions): Promise<T> {
  const withinMs = o.withinMs ?? 60_000;
  const initial = o.initialMs ?? 100;
  const max = o.maxMs ?? 5_000;
  const deadline = Date.now() + withinMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (e) {
      const t = o.transient(e);
      if (!t) throw e;
      const backoff = Math.min(max, initial * 2 ** (attempt - 1)) * (0.5 + Math.random() * 0.5);
      const wait = Math.max(0, Math.min(t.waitMs ?? backoff, max * 6));
      if (Date.now() + wait > deadline) throw e;
      const line = `${o.what} failed (${t.reason}); attempt ${attempt + 1} in ${Math.round(wait)} ms`;
      if (o.logLevel === 'debug') log.debug(line);
      else log.warn(line, { until: new Date(deadline).toISOString() });
      o.onRetry?.(attempt + 1, t);
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}

/** Network failures where the request may or may not have reached the service. */
const NETWORK = /ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|socket hang up|other side closed|network|timed? ?out/i;

export function networkReason(e: unknown): string | undefined {
  const err = e as { code?: unknown; name?: unknown } | undefined;
  const code = typeof err?.code === 'string' ? err.code : '';
  const text = `${code} ${typeof err?.name === 'string' ? err.name : ''} ${errorMessage(e)}`;
  const m = NETWORK.exec(text);
  return m ? (code || m[0]) : undefined;
}

/** Throttling and server errors of an HTTP service: 429, 500, 502, 503, 504 (and 408). */
export function isRetriableStatus(status: number | undefined): boolean {
  return status === 408 || status === 429 || (status !== undefined && status >= 500 && status !== 501 && status !== 505);
}

/** A Retry-After header value (seconds or an HTTP date) in ms, when present and sane. */
export function retryAfterMs(header: string | undefined | null): number | undefined {
  if (!header) return undefined;
  const s = Number(header);
  if (Number.isFinite(s) && s >= 0) return s * 1000;
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined;
}
