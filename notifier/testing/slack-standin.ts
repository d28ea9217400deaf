// A Slack Web API stand-in for tests and the benchmark: a local HTTP server on 127.0.0.1 that
// answers auth.test, conversations.list, conversations.history and chat.postMessage the way
// https://slack.com/api/ does (HTTP 200 with {ok, error} bodies, form or JSON requests, Bearer
// tokens, cursor pagination, Block Kit blocks and message metadata kept), enforces a per-channel
// rate with HTTP 429 and Retry-After, and records everything it accepted. Point the real
// @slack/web-api client at it with `slackApiUrl: standIn.url`.
//
// It also checks what Slack cannot: that no message carries a Slack control sequence. The
// notifier's templates use none, so any `<` in a text, or any `&` that does not start one of the
// three escapes Slack decodes (`&amp;` `&lt;` `&gt;`), came from data unescaped and could be a
// mention (`<!channel>`, `<@U123>`) or a disguised link (`<https://evil|click>`). Such a message
// is recorded in `unsafe`, and close() fails with it, so every test that uses the stand-in checks it.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StandInChannel {
  id: string;
  name: string;
}

export interface StandInOptions {
  /** The only token accepted (default "xoxb-standin"). */
  token?: string;
  channels?: StandInChannel[];
  /** Per-channel rate: one message per intervalMs after a burst (defaults: Slack's 1 s, burst 3). */
  intervalMs?: number;
  burst?: number;
  /** Port to listen on (0: any free port). */
  port?: number;
}

export interface ReceivedMessage {
  channel: string;
  ts: string;
  text: string;
  blocks: unknown[] | undefined;
  metadata: { event_type: string; event_payload: Record<string, unknown> } | undefined;
  /** chat.postMessage's formatting arguments as sent (form values are strings): mrkdwn, parse, link_names, unfurl_*. */
  options: Record<string, unknown>;
  receivedAt: number;
}

export type Fault = 'http500' | 'internal_error' | 'drop-after-post' | 'drop-before-post';

export interface SlackStandIn {
  /** Base URL for slackApiUrl, ending with "/api/". */
  url: string;
  token: string;
  channels: StandInChannel[];
  /** Messages accepted by chat.postMessage, in arrival order. */
  received: ReceivedMessage[];
  /** 429 answers sent, with their time. */
  rateLimited: number[];
  /** The same 429 answers with the Retry-After (seconds) each asked for. */
  retryAfter: { at: number; seconds: number }[];
  /** Accepted messages whose text carries an unescaped `<` or `&` (see the top of this file). */
  unsafe: { ts: string; where: string; text: string }[];
  /** Every call, method name and time, for tests that check what a client asked. */
  calls: { method: string; at: number }[];
  /** Makes the next `count` chat.postMessage calls fail in the given way. */
  failNext(fault: Fault, count?: number): void;
  close(): Promise<void>;
}

export async function startSlackStandIn(opts: StandInOptions = {}): Promise<SlackStandIn> {
  const token = opts.token ?? 'xoxb-standin';
  const channels = opts.channels ?? [{ id: 'C0SPORT01', name: 'sport' }];
  const intervalMs = opts.intervalMs ?? 1000;
  const burst = Math.max(1, opts.burst ?? 3);
  const received: ReceivedMessage[] = [];
  const rateLimited: number[] = [];
  const retryAfter: { at: number; seconds: number }[] = [];
  const unsafe: { ts: string; where: string; text: string }[] = [];
  const calls: { method: string; at: number }[] = [];
  const faults: Fault[] = [];
  const buckets = new Map<string, { tokens: number; last: number }>();
  let lastTs = 0;

  const findChannel = (c: string | undefined) => channels.find((ch) => ch.id === c || ch.name === c || `#${ch.name}` === c);

  /** Milliseconds to wait when the channel is over its rate, 0 when a message may go. */
  const overRate = (channel: string): number => {
    if (intervalMs <= 0) return 0;
    const now = Date.now();
    const b = buckets.get(channel) ?? { tokens: burst, last: now };
    b.tokens = Math.min(burst, b.tokens + (now - b.last) / intervalMs);
    b.last = now;
    buckets.set(channel, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - b.tokens) * intervalMs);
  };

  const nextTs = (): string => {
    // Slack's ts: seconds with six digits, unique and increasing in a channel.
    const micros = Math.max(Date.now() * 1000, lastTs + 1);
    lastTs = micros;
    return `${Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, '0')}`;
  };

  const handle = async (method: string, params: Record<string, unknown>, auth: string | undefined, res: ServerResponse): Promise<void> => {
    calls.push({ method, at: Date.now() });
    const send = (body: Record<string, unknown>, status = 200, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify(body));
    };
    const given = auth?.replace(/^Bearer\s+/i, '') ?? (typeof params.token === 'string' ? params.token : undefined);
    if (!given) return send({ ok: false, error: 'not_authed' });
    if (given !== token) return send({ ok: false, error: 'invalid_auth' });
    switch (method) {
      case 'auth.test':
        return send({ ok: true, url: 'https://standin.slack.com/', team: 'Stand-in', user: 'lakehouse', team_id: 'T0STANDIN', user_id: 'U0LAKE', bot_id: 'B0LAKE', is_enterprise_install: false });
      case 'conversations.list':
        return send({ ok: true, channels: channels.map((c) => ({ id: c.id, name: c.name, is_channel: true, is_member: true, is_archived: false })), response_metadata: { next_cursor: '' } });
      case 'conversations.history': {
        const ch = channels.find((c) => c.id === params.channel);
        if (!ch) return send({ ok: false, error: 'channel_not_found' });
        const limit = Math.min(999, Math.max(1, Number(params.limit ?? 100) || 100));
        const oldest = params.oldest !== undefined ? Number(params.oldest) : 0;
        const latest = params.latest !== undefined ? Number(params.latest) : Infinity;
        const withMeta = params.include_all_metadata === true || params.include_all_metadata === 'true';
        const all = received.filter((m) => m.channel === ch.id && Number(m.ts) > oldest && Number(m.ts) < latest).reverse();
        const start = params.cursor ? Number(Buffer.from(String(params.cursor), 'base64').toString()) : 0;
        const page = all.slice(start, start + limit);
        const more = start + limit < all.length;
        return send({
          ok: true,
          messages: page.map((m) => ({ type: 'message', user: 'U0LAKE', bot_id: 'B0LAKE', ts: m.ts, text: m.text, ...(m.blocks ? { blocks: m.blocks } : {}), ...(withMeta && m.metadata ? { metadata: m.metadata } : {}) })),
          has_more: more,
          pin_count: 0,
          response_metadata: { next_cursor: more ? Buffer.from(String(start + limit)).toString('base64') : '' },
        });
      }
      case 'chat.postMessage': {
        const ch = findChannel(typeof params.channel === 'string' ? params.channel : undefined);
        if (!ch) return send({ ok: false, error: 'channel_not_found' });
        const wait = overRate(ch.id);
        if (wait > 0) {
          const at = Date.now();
          const seconds = Math.ceil(wait / 1000);
          rateLimited.push(at);
          retryAfter.push({ at, seconds });
          return send({ ok: false, error: 'ratelimited' }, 429, { 'retry-after': String(seconds) });
        }
        const fault = faults.shift();
        if (fault === 'http500') return send({ ok: false, error: 'internal_error' }, 500);
        if (fault === 'internal_error') return send({ ok: false, error: 'internal_error' });
        if (fault === 'drop-before-post') {
          res.socket?.destroy();
          return;
        }
        const text = typeof params.text === 'string' ? params.text : '';
        if (!text && params.blocks === undefined) return send({ ok: false, error: 'no_text' });
        const blocks = parseJsonParam(params.blocks) as unknown[] | undefined;
        const metadata = parseJsonParam(params.metadata) as ReceivedMessage['metadata'];
        const ts = nextTs();
        const options = Object.fromEntries(['mrkdwn', 'parse', 'link_names', 'unfurl_links', 'unfurl_media'].filter((k) => params[k] !== undefined).map((k) => [k, params[k]]));
        received.push({ channel: ch.id, ts, text, blocks, metadata, options, receivedAt: Date.now() });
        for (const [where, t] of [['text', text] as const, ...blockTexts(blocks)]) {
          if (unescaped(t)) unsafe.push({ ts, where, text: t.slice(0, 300) });
        }
        if (fault === 'drop-after-post') {
          res.socket?.destroy();
          return;
        }
        return send({ ok: true, channel: ch.id, ts, message: { type: 'message', text, ts, bot_id: 'B0LAKE', ...(blocks ? { blocks } : {}) } });
      }
      default:
        return send({ ok: false, error: 'unknown_method' });
    }
  };

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const m = /^\/api\/([\w.]+)$/.exec(url.pathname);
      if (!m || req.method !== 'POST') {
        res.writeHead(404);
        res.end();
        return;
      }
      const raw = Buffer.concat(chunks).toString('utf8');
      let params: Record<string, unknown> = Object.fromEntries(url.searchParams);
      try {
        if ((req.headers['content-type'] ?? '').includes('application/json')) params = { ...params, ...(JSON.parse(raw || '{}') as Record<string, unknown>) };
        else params = { ...params, ...Object.fromEntries(new URLSearchParams(raw)) };
      } catch {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: false, error: 'invalid_json' }));
        return;
      }
      handle(m[1]!, params, req.headers.authorization, res).catch((e: Error) => {
        res.writeHead(500);
        res.end(e.message);
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/api/`,
    token,
    channels,
    received,
    rateLimited,
    retryAfter,
    unsafe,
    calls,
    failNext: (fault, count = 1) => {
      for (let i = 0; i < count; i++) faults.push(fault);
    },
    close: async () => {
      await new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      });
      if (unsafe.length) {
        throw new Error(`the Slack stand-in received ${unsafe.length} message(s) with an unescaped < or & from data, e.g. ${unsafe[0]!.where} of ${unsafe[0]!.ts}: ${JSON.stringify(unsafe[0]!.text)}`);
      }
    },
  };
}

/** True when `text` holds a `<`, or an `&` that does not start `&amp;`, `&lt;` or `&gt;`. */
export function unescaped(text: string): boolean {
  return /<|&(?!(?:amp|lt|gt);)/.test(text);
}

/** Every text of a message's blocks (text objects and their elements), with where it is. */
function blockTexts(blocks: unknown[] | undefined): [string, string][] {
  const out: [string, string][] = [];
  const walk = (v: unknown, path: string) => {
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`));
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === 'text' && typeof x === 'string') out.push([`${path}.text`, x]);
        else walk(x, `${path}.${k}`);
      }
    }
  };
  walk(blocks ?? [], 'blocks');
  return out;
}

function parseJsonParam(v: unknown): unknown {
  if (v === undefined) return undefined;
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v);
  } catch {
    return undefined;
  }
}
