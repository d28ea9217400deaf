// A token bucket per channel: `burst` messages may go at once, then one per `intervalMs`. Slack
// allows about one message per second per channel "with short bursts"; the defaults follow that.
// A 429 answer empties the bucket and holds every sender until Retry-After has passed, so one
// 429 is never followed by another in the same burst.

export interface RateLimiterOptions {
  intervalMs: number;
  burst: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export class TokenBucket {
  private tokens: number;
  private last: number;
  private heldUntil = 0;
  private chain: Promise<void> = Promise.resolve();
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly opts: RateLimiterOptions) {
    this.now = opts.now ?? Date.now;
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    // Start empty: a process that just restarted does not know what its predecessor sent, and
    // Slack counts the channel's messages, not the process's.
    this.tokens = 0;
    this.last = this.now();
  }

  private refill(): void {
    const t = this.now();
    if (this.opts.intervalMs <= 0) {
      this.tokens = this.opts.burst;
    } else {
      this.tokens = Math.min(Math.max(1, this.opts.burst), this.tokens + (t - this.last) / this.opts.intervalMs);
    }
    this.last = t;
  }

  /** Resolves when a message may be sent; callers are served in the order they asked. */
  take(): Promise<void> {
    const turn = this.chain.then(async () => {
      for (;;) {
        const t = this.now();
        if (t < this.heldUntil) {
          await this.sleep(this.heldUntil - t);
          continue;
        }
        this.refill();
        if (this.tokens >= 1) {
          this.tokens -= 1;
          return;
        }
        await this.sleep(Math.max(1, Math.ceil((1 - this.tokens) * this.opts.intervalMs)));
      }
    });
    this.chain = turn.catch(() => undefined);
    return turn;
  }

  /** After a 429: nothing goes out for `ms`, and the burst starts empty afterwards. */
  holdFor(ms: number): void {
    this.heldUntil = Math.max(this.heldUntil, this.now() + ms);
    this.tokens = 0;
    this.last = this.heldUntil;
  }

  /** Messages that could go right now (for tests and metrics). */
  available(): number {
    this.refill();
    return Math.floor(this.tokens);
  }
}
