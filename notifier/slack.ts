// Where messages go: Slack's Web API through @slack/web-api, or the log when there is no token.
// The Slack sink keeps to the channel's rate (rate-limiter.ts), waits Retry-After on a 429,
// retries other failures with backoff, and stops the notifier with a clear error when the token
// or the channel is wrong. It can also list the message keys already in the channel's history
// (each message carries its key in Slack message metadata), which is how a restart or an
// ambiguous failure finds out whether a message was posted.

import { WebClient, LogLevel, WebAPIPlatformError, WebAPIRateLimitedError, WebAPIRequestError, WebAPIHTTPError, type Logger as SlackLogger } from '@slack/web-api';
import { UserError, errorMessage } from '../common/errors.js';
import { logger } from '../common/log.js';
import * as metrics from '../monitoring/metrics.js';
import { TokenBucket } from './rate-limiter.js';

const log = logger('notify');

/** Slack message metadata event type carried by every message the notifier posts. */
export const METADATA_EVENT_TYPE = 'lakehouse_activity_posted';

export interface OutgoingMessage {
  /** The exactly-once key: "<schema>.<table>/<primary key JSON>/<position>". */
  key: string;
  /** Slack's text, escaped (format.ts). */
  text: string;
  /** The same text unescaped, for the log. */
  plain?: string;
  blocks: Record<string, unknown>[];
  /** Extra metadata fields (activity id, commit time). */
  payload: Record<string, string | number | boolean>;
}

export interface Sink {
  readonly name: 'slack' | 'log';
  /** Checks the token and the channel; throws UserError when either is wrong. */
  start(): Promise<void>;
  /** Posts; resolves with the message ts once Slack accepted it. */
  post(message: OutgoingMessage): Promise<string>;
  /** Keys of the notifier's messages in the channel posted after `oldest` (Slack ts, seconds). */
  postedKeys(oldest: number): Promise<Map<string, string>>;
}

export class LogSink implements Sink {
  readonly name = 'log';
  private n = 0;
  constructor(private readonly channel: string) {}
  async start(): Promise<void> {
    log.info(`no Slack token (slack.token / SLACK_BOT_TOKEN): messages for ${this.channel} are printed to the log`);
  }
  async post(message: OutgoingMessage): Promise<string> {
    log.info(`message for ${this.channel}: ${message.plain ?? message.text}`);
    metrics.notifySentTotal.inc({ sink: 'log' });
    return `log.${++this.n}`;
  }
  async postedKeys(): Promise<Map<string, string>> {
    return new Map();
  }
}

export interface SlackSinkOptions {
  token: string;
  channel: string;
  /** Base URL of the Web API ("" = Slack). */
  apiUrl: string;
  intervalMs: number;
  burst: number;
  /** Longest wait between two retries of a failing call. */
  maxBackoffMs?: number;
  /** Request timeout per call. */
  timeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** Errors that no retry can fix: the notifier stops and says what to change. */
const TOKEN_ERRORS = new Set(['invalid_auth', 'not_authed', 'token_revoked', 'token_expired', 'account_inactive', 'no_permission', 'ekm_access_denied', 'team_access_not_granted']);
const CHANNEL_ERRORS = new Set(['channel_not_found', 'not_in_channel', 'is_archived', 'restricted_action', 'restricted_action_read_only_channel', 'restricted_action_non_threadable_channel', 'cannot_reply_to_message']);

export class SlackSink implements Sink {
  readonly name = 'slack';
  private readonly client: WebClient;
  private readonly limiter: TokenBucket;
  private channelId: string | undefined;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly opts: SlackSinkOptions) {
    const quiet: SlackLogger = {
      debug: () => undefined,
      info: () => undefined,
      warn: (...m: unknown[]) => log.debug(`slack client: ${m.map(String).join(' ')}`),
      error: (...m: unknown[]) => log.debug(`slack client: ${m.map(String).join(' ')}`),
      setLevel: () => undefined,
      getLevel: () => LogLevel.ERROR,
      setName: () => undefined,
    };
    this.client = new WebClient(opts.token, {
      ...(opts.apiUrl ? { slackApiUrl: opts.apiUrl.endsWith('/') ? opts.apiUrl : opts.apiUrl + '/' } : {}),
      // Rate limits and retries are handled here, so that they are counted and ordered.
      rejectRateLimitedCalls: true,
      retryConfig: { retries: 0 },
      timeout: opts.timeoutMs ?? 15000,
      logger: quiet,
      logLevel: LogLevel.ERROR,
    });
    this.limiter = new TokenBucket({ intervalMs: opts.intervalMs, burst: opts.burst });
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  private where(): string {
    return this.opts.apiUrl ? `Slack Web API at ${this.opts.apiUrl}` : 'Slack';
  }

  private fatal(error: string, e?: unknown, needed?: string): UserError {
    if (TOKEN_ERRORS.has(error)) {
      return new UserError(`Slack refused the bot token (${error})`, {
        where: 'slack.token (SLACK_BOT_TOKEN)',
        fix: 'set SLACK_BOT_TOKEN to the "Bot User OAuth Token" (xoxb-…) of an installed app, or unset it to print messages to the log',
        cause: e,
      });
    }
    if (CHANNEL_ERRORS.has(error)) {
      return new UserError(`Slack channel ${this.opts.channel} cannot be posted to (${error})`, {
        where: 'slack.channel (SLACK_CHANNEL)',
        fix: error === 'not_in_channel' || error === 'channel_not_found'
          ? 'check the channel name or use its ID (C…), and invite the bot into it (/invite @your-bot)'
          : 'pick a channel that is not archived and where the bot may post',
        cause: e,
      });
    }
    if (error === 'missing_scope') {
      return new UserError(`the Slack app lacks a permission${needed ? ` (${needed})` : ''}`, {
        where: 'slack.token (SLACK_BOT_TOKEN)',
        fix: 'add the bot scopes chat:write, channels:read, channels:history (groups:read, groups:history for a private channel) and reinstall the app',
        cause: e,
      });
    }
    return new UserError(`Slack answered ${error}`, { where: this.where(), fix: 'see https://api.slack.com/methods for the meaning of the error', cause: e });
  }

  /** Runs one Web API call with Slack's rules: 429 waits Retry-After, other failures back off. */
  private async call<T>(what: string, fn: () => Promise<T>, opts: { rateLimited?: boolean; onAmbiguous?: () => Promise<T | undefined> } = {}): Promise<T> {
    let backoff = 500;
    const maxBackoff = this.opts.maxBackoffMs ?? 30000;
    let ambiguous = false;
    for (let attempt = 1; ; attempt++) {
      if (ambiguous && opts.onAmbiguous) {
        // The last attempt may have been posted before the failure: look before posting again.
        const found = await opts.onAmbiguous().catch(() => undefined);
        if (found !== undefined) return found;
      }
      if (opts.rateLimited) await this.limiter.take();
      try {
        return await fn();
      } catch (e) {
        let reason: string;
        if (e instanceof WebAPIRateLimitedError) {
          metrics.notifyRateLimitedTotal.inc();
          log.warn(`Slack rate limit on ${what}: waiting ${e.retryAfter} s as Retry-After asks`);
          this.limiter.holdFor(e.retryAfter * 1000);
          if (!opts.rateLimited) await this.sleep(e.retryAfter * 1000);
          ambiguous = false;
          continue;
        } else if (e instanceof WebAPIPlatformError) {
          const error = e.data.error;
          metrics.notifyErrorsTotal.inc({ error });
          if (TOKEN_ERRORS.has(error) || CHANNEL_ERRORS.has(error) || error === 'missing_scope' || error === 'invalid_blocks' || error === 'invalid_metadata_format' || error === 'msg_too_long' || error === 'invalid_arguments') {
            throw this.fatal(error, e, (e.data as { needed?: string }).needed);
          }
          reason = error;
          // Slack answered: nothing was posted.
          ambiguous = false;
        } else if (e instanceof WebAPIHTTPError) {
          reason = `http_${e.statusCode}`;
          metrics.notifyErrorsTotal.inc({ error: reason });
          ambiguous = e.statusCode >= 500;
        } else if (e instanceof WebAPIRequestError) {
          reason = 'request_error';
          metrics.notifyErrorsTotal.inc({ error: reason });
          ambiguous = true;
        } else {
          throw e;
        }
        metrics.notifyRetriedTotal.inc({ reason });
        const wait = Math.min(maxBackoff, backoff) * (0.75 + Math.random() * 0.5);
        log.warn(`Slack ${what} failed (${reason}${e instanceof WebAPIRequestError ? `: ${errorMessage(e.original)}` : ''}); retry ${attempt} in ${Math.round(wait)} ms`);
        await this.sleep(wait);
        backoff *= 2;
      }
    }
  }

  async start(): Promise<void> {
    let auth: { user?: string; team?: string };
    try {
      auth = (await this.call('auth.test', () => this.client.auth.test(), {})) as { user?: string; team?: string };
    } catch (e) {
      throw e instanceof UserError ? e : this.fatal(errorMessage(e), e);
    }
    this.channelId = await this.resolveChannel();
    // Reading the history is part of exactly-once: check now that the token may.
    await this.call('conversations.history', () => this.client.conversations.history({ channel: this.channelId!, limit: 1 }));
    log.info(`posting to Slack as ${auth.user ?? '?'} in ${auth.team ?? '?'}, channel ${this.opts.channel} (${this.channelId})`);
  }

  /** A channel name ("#sport", "sport") becomes its ID through conversations.list; an ID is kept. */
  private async resolveChannel(): Promise<string> {
    const c = this.opts.channel.trim();
    if (/^[CGD][A-Z0-9]{6,}$/.test(c)) return c;
    const name = c.replace(/^#/, '');
    let cursor: string | undefined;
    do {
      const page = await this.call('conversations.list', () =>
        this.client.conversations.list({ types: 'public_channel,private_channel', exclude_archived: true, limit: 1000, ...(cursor ? { cursor } : {}) }),
      );
      const found = page.channels?.find((ch) => ch.name === name);
      if (found?.id) return found.id;
      cursor = page.response_metadata?.next_cursor || undefined;
    } while (cursor);
    throw this.fatal('channel_not_found');
  }

  async post(message: OutgoingMessage): Promise<string> {
    const channel = this.channelId ?? this.opts.channel;
    const started = Date.now();
    const ts = await this.call(
      'chat.postMessage',
      async () => {
        const r = await this.client.chat.postMessage({
          channel,
          text: message.text,
          blocks: message.blocks as never,
          // Slack parses nothing of the text: no mrkdwn, no names turned into mentions, no
          // automatic links (the text is escaped too, format.ts), and no previews.
          mrkdwn: false,
          parse: 'none',
          link_names: false,
          unfurl_links: false,
          unfurl_media: false,
          metadata: { event_type: METADATA_EVENT_TYPE, event_payload: { key: message.key, ...message.payload } },
        });
        return r.ts ?? '';
      },
      {
        rateLimited: true,
        onAmbiguous: async () => (await this.postedKeys(started / 1000 - 60)).get(message.key),
      },
    );
    metrics.notifySentTotal.inc({ sink: 'slack' });
    return ts;
  }

  async postedKeys(oldest: number, maxMessages = 20000): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    let cursor: string | undefined;
    let seen = 0;
    do {
      const page = await this.call('conversations.history', () =>
        this.client.conversations.history({
          channel: this.channelId ?? this.opts.channel,
          oldest: oldest > 0 ? oldest.toFixed(6) : '0',
          limit: 200,
          include_all_metadata: true,
          ...(cursor ? { cursor } : {}),
        }),
      );
      for (const m of page.messages ?? []) {
        seen++;
        const meta = (m as { metadata?: { event_type?: string; event_payload?: { key?: unknown } } }).metadata;
        if (meta?.event_type === METADATA_EVENT_TYPE && typeof meta.event_payload?.key === 'string') out.set(meta.event_payload.key, m.ts ?? '');
      }
      cursor = page.has_more ? page.response_metadata?.next_cursor || undefined : undefined;
    } while (cursor && seen < maxMessages);
    return out;
  }
}
