// The Slack sink against the stand-in, through the real @slack/web-api client (no broker needed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../common/errors.js';
import { SlackSink } from './slack.js';
import { startSlackStandIn } from './testing/slack-standin.js';

const msg = (key: string) => ({ key, text: `hello ${key}`, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `hello ${key}` } }], payload: { activity_id: 1 } });

test('a wrong token or an unknown channel stops the notifier with a message that says which', async () => {
  const s = await startSlackStandIn();
  try {
    const badToken = new SlackSink({ token: 'xoxb-wrong', channel: '#sport', apiUrl: s.url, intervalMs: 0, burst: 1 });
    await assert.rejects(badToken.start(), (e: unknown) => e instanceof UserError && /refused the bot token \(invalid_auth\)/.test(e.message) && e.where === 'slack.token (SLACK_BOT_TOKEN)');
    const badChannel = new SlackSink({ token: s.token, channel: '#nope', apiUrl: s.url, intervalMs: 0, burst: 1 });
    await assert.rejects(badChannel.start(), (e: unknown) => e instanceof UserError && /#nope cannot be posted to \(channel_not_found\)/.test(e.message) && e.where === 'slack.channel (SLACK_CHANNEL)');
  } finally {
    await s.close();
  }
});

test('a client faster than the channel: every 429 waits Retry-After, every message arrives once; history finds keys in metadata', { timeout: 30000 }, async () => {
  // One message per 500 ms after a burst of 2: a client allowed 100/s outruns it however busy the
  // machine is, so the stand-in answers 429 (Retry-After: 1 s) after the second message.
  const s = await startSlackStandIn({ intervalMs: 500, burst: 2 });
  try {
    const sink = new SlackSink({ token: s.token, channel: '#sport', apiUrl: s.url, intervalMs: 10, burst: 5 });
    await sink.start();
    const started = Date.now();
    for (let i = 0; i < 8; i++) await sink.post(msg(`k${i}`));
    assert.deepEqual(s.received.map((m) => m.metadata?.event_payload.key), ['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7']);
    assert.ok(s.rateLimited.length >= 1, 'the stand-in answered 429');
    assert.ok(Date.now() - started >= 1000 * s.rateLimited.length, 'each Retry-After (1 s) was waited');
    // Nothing was sent while a Retry-After ran.
    for (const r of s.retryAfter) assert.ok(!s.calls.some((c) => c.method === 'chat.postMessage' && c.at > r.at && c.at < r.at + r.seconds * 1000 - 5), 'a call during Retry-After');
    const keys = await sink.postedKeys(0);
    assert.deepEqual([...keys.keys()].sort(), ['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7']);
    assert.equal(keys.get('k3'), s.received[3]!.ts);
  } finally {
    await s.close();
  }
});
