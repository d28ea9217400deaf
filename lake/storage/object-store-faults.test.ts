// An object store that throttles, fails, or loses answers, and what the lake makes of it: a
// loopback proxy in front of a real versitygw answers 503 SlowDown, or forwards a request and
// drops the answer (the store did the work, the writer never heard). Throttling is retried with
// backoff and said in the log; a commit whose answer was lost is still this writer's commit, so an
// append is in the table exactly once; credentials never reach a log line or an error.

import assert from 'node:assert/strict';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { s3Lake, stopObjectStores } from '../../test/support/object-stores.js';
import { DeltaTable } from '../index.js';
import { ObjectStorage } from './object-storage.js';
import { S3Store } from './s3.js';
import type { S3Server } from '../../stack/versitygw.js';
import { UserError } from '../../common/errors.js';

after(stopObjectStores);

type Action = 'pass' | 'slowdown' | 'lose' | 'error500';
interface Proxy {
  url: string;
  /** Decides each request's fate: method, path (with query), the request's number (1, 2, ...). */
  plan: (method: string, path: string, n: number) => Action;
  seen: Array<{ method: string; path: string; action: Action }>;
  close(): Promise<void>;
}

async function startProxy(upstream: string): Promise<Proxy> {
  const target = new URL(upstream);
  let n = 0;
  const proxy: Proxy = { url: '', plan: () => 'pass', seen: [], close: async () => undefined };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const action = proxy.plan(req.method!, req.url!, ++n);
      proxy.seen.push({ method: req.method!, path: req.url!, action });
      if (action === 'slowdown' || action === 'error500') {
        const [status, code] = action === 'slowdown' ? [503, 'SlowDown'] : [500, 'InternalError'];
        res.writeHead(status, { 'content-type': 'application/xml' });
        res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>injected by the test</Message></Error>`);
        return;
      }
      // the Host header is part of the signature: forward it unchanged
      const up = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (ur) => {
        const body: Buffer[] = [];
        ur.on('data', (c: Buffer) => body.push(c));
        ur.on('end', () => {
          if (action === 'lose') {
            // the store did it; the answer never arrives
            req.socket.destroy();
            return;
          }
          res.writeHead(ur.statusCode!, ur.headers);
          res.end(Buffer.concat(body));
        });
      });
      up.on('error', () => req.socket.destroy());
      up.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  proxy.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  proxy.close = () => new Promise<void>((r) => server.close(() => r()));
  server.on('connection', (s) => s.unref());
  return proxy;
}

/** Lines the process writes to stderr while `fn` runs (the log goes there). */
async function captureStderr<T>(fn: () => Promise<T>): Promise<{ result: T; text: string }> {
  const lines: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    lines.push(String(chunk));
    return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stderr.write;
  try {
    return { result: await fn(), text: lines.join('') };
  } finally {
    process.stderr.write = write;
  }
}

describe('an S3 store that throttles, fails and loses answers', () => {
  let server: S3Server;
  let bucket: string;
  let proxy: Proxy;
  let lakePrefix: string;
  before(async () => {
    const lake = await s3Lake();
    server = lake.server;
    bucket = lake.bucket;
    lakePrefix = 'lake';
    proxy = await startProxy(server.endpoint);
  });
  after(() => proxy?.close());

  const storageAt = (table: string) =>
    new ObjectStorage(new S3Store(bucket, { endpoint: proxy.url, region: server.region, pathStyle: true }), `${lakePrefix}/${table}`);

  test('503 SlowDown is retried with backoff, and the wait is in the log', async () => {
    const s = storageAt('throttled');
    let puts = 0;
    proxy.plan = (method) => (method === 'PUT' && ++puts <= 2 ? 'slowdown' : 'pass');
    const { result, text } = await captureStderr(() => s.putIfAbsent('_delta_log/00000000000000000000.json', Buffer.from('{"commitInfo":{}}\n')));
    proxy.plan = () => 'pass';
    assert.equal(result, true);
    assert.equal(puts, 3, 'two throttled attempts, then the one that went through');
    assert.match(text, /S3 PUT \(if absent\) s3:\/\/.*00000000000000000000\.json failed \(503 SlowDown\); attempt 2 in \d+ ms/);
    assert.match(text, /attempt 3 in \d+ ms/);
    assert.ok(!text.includes(server.secretKey), 'the secret key is not in the log');
  });

  test('a conditional put whose answer was lost is still this writer\'s (and another writer\'s object is not)', async () => {
    const s = storageAt('lost');
    let first = true;
    proxy.plan = (method) => (method === 'PUT' && first ? ((first = false), 'lose') : 'pass');
    assert.equal(await s.putIfAbsent('_delta_log/00000000000000000000.json', Buffer.from('mine')), true);
    assert.equal(Buffer.from((await s.read('_delta_log/00000000000000000000.json'))!).toString(), 'mine');
    // the object is another writer's: the retry's 412 is a real refusal
    first = true;
    assert.equal(await s.putIfAbsent('_delta_log/00000000000000000000.json', Buffer.from('someone else')), false);
    proxy.plan = () => 'pass';
  });

  test('an append whose commit answer was lost (or got a 500 after it was stored) is in the table once', async () => {
    for (const fault of ['lose', 'error500'] as const) {
      const table = `t-${fault}`;
      const t = await DeltaTable.createStorage(storageAt(table), { columns: [{ name: 'id', type: 'long', nullable: false }] });
      let faulted = false;
      proxy.plan = (method, path) => (method === 'PUT' && /_delta_log%2F0+1\.json|_delta_log\/0+1\.json/.test(path) && !faulted ? ((faulted = true), fault) : 'pass');
      const res = await t.append([{ id: 1n }, { id: 2n }]);
      proxy.plan = () => 'pass';
      assert.ok(faulted, 'the fault was injected on the commit');
      assert.equal(res.version, 1);
      const fresh = await DeltaTable.openStorage(storageAt(table));
      assert.equal(fresh.version, 1, `${fault}: one commit, not a second one rebased on the first`);
      assert.deepEqual((await fresh.rows()).map((r) => r.id).sort(), [1n, 2n]);
    }
  });

  test('a wrong secret fails at once with a clear error that holds no credentials', async () => {
    const saved = process.env.AWS_SECRET_ACCESS_KEY;
    const wrong = `wrong-${server.secretKey.slice(0, 8)}-secret`;
    process.env.AWS_SECRET_ACCESS_KEY = wrong;
    try {
      const s = new ObjectStorage(new S3Store(bucket, { endpoint: server.endpoint, region: server.region, pathStyle: true }), 'lake/denied');
      const started = Date.now();
      const { result: err, text } = await captureStderr(() => s.read('_delta_log/00000000000000000000.json').then(() => undefined, (e: unknown) => e));
      assert.ok(err instanceof UserError, `a UserError, got ${String(err)}`);
      assert.match(err.message, /S3 refused GET \(403 SignatureDoesNotMatch\)/);
      assert.match(err.fix!, /AWS_SECRET_ACCESS_KEY/);
      assert.ok(Date.now() - started < 10_000, 'not retried: a wrong key does not heal');
      for (const secret of [wrong, server.secretKey]) {
        assert.ok(!err.describe().includes(secret) && !text.includes(secret), 'no secret in the error or the log');
      }
    } finally {
      process.env.AWS_SECRET_ACCESS_KEY = saved;
    }
  });
});
