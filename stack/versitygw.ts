// versitygw (Versity S3 Gateway, Apache-2.0): a real S3 server over a local folder (its posix
// backend), with the conditional writes a Delta commit needs (If-None-Match: * answers 412). The
// tests and the lake benchmark start one on a free loopback port with a private folder and
// credentials, and stop it after. It is built from source with `go install` once (several minutes
// on 2 cores) and the binary kept under ~/.cache/lakehouse (or $XDG_CACHE_HOME/lakehouse), where
// `npm test` builds it when it is missing.

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../common/errors.js';
import { run, serveOnFreePort, which } from './process.js';

export const VERSITYGW_VERSION = 'v1.8.0';

/** Where the versitygw binary is kept between runs. */
export function versitygwPath(): string {
  if (process.env.LAKEHOUSE_VERSITYGW) return process.env.LAKEHOUSE_VERSITYGW;
  const cache = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(cache, 'lakehouse', `versitygw-${VERSITYGW_VERSION}`, 'versitygw');
}

/** The binary, built with `go install` into the cache when it is not there yet. */
export function ensureVersitygw(say: (s: string) => void = () => undefined): string {
  const bin = versitygwPath();
  if (existsSync(bin)) return bin;
  if (process.env.LAKEHOUSE_NO_INSTALL === '1') {
    throw new UserError(`versitygw ${VERSITYGW_VERSION} (the S3 server of the tests) is not built at ${bin}`, {
      fix: `GOBIN=${join(bin, '..')} go install github.com/versity/versitygw/cmd/versitygw@${VERSITYGW_VERSION} (LAKEHOUSE_NO_INSTALL=1 keeps lakehouse from running it)`,
    });
  }
  const go = which('go') ?? (existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
  if (!go) {
    throw new UserError('versitygw is not built and the Go toolchain (go) was not found to build it', {
      fix: `install Go 1.25 or newer (into /usr/local/go; Debian 12's golang-go is too old), or set LAKEHOUSE_VERSITYGW to a versitygw ${VERSITYGW_VERSION} binary`,
    });
  }
  const gobin = join(bin, '..');
  mkdirSync(gobin, { recursive: true });
  say(`building versitygw ${VERSITYGW_VERSION} with go install into ${gobin} (several minutes, once)`);
  run(go, ['install', `github.com/versity/versitygw/cmd/versitygw@${VERSITYGW_VERSION}`], {
    what: 'go install versitygw',
    env: { ...process.env, GOBIN: gobin, GOFLAGS: '-mod=mod' },
    fix: 'check that the Go module proxy is reachable (GOPROXY) and try again',
  });
  return bin;
}

export interface S3Server {
  endpoint: string;
  accessKey: string;
  secretKey: string;
  region: string;
  /** Environment for the lake's S3 client and for delta-rs (python deltalake) alike. */
  env: Record<string, string>;
  /** The folder behind the buckets (bucket/key is the file bucket/key). */
  dir: string;
  stop(): Promise<void>;
}

/** Starts versitygw on a free loopback port over a new folder, with random credentials. */
export async function startVersitygw(o: { say?: (s: string) => void } = {}): Promise<S3Server> {
  const bin = ensureVersitygw(o.say);
  const dir = mkdtempSync(join(tmpdir(), 'lakehouse-versitygw-'));
  const data = join(dir, 'data');
  mkdirSync(data);
  const accessKey = `lake${randomBytes(6).toString('hex')}`;
  const secretKey = randomBytes(24).toString('base64url');
  // credentials through the environment, not the command line other users can read
  const server = await serveOnFreePort('versitygw', join(dir, 'versitygw.log'), (port, out) =>
    spawn(bin, ['--port', `127.0.0.1:${port}`, '--quiet', 'posix', data], {
      stdio: ['ignore', out, out],
      env: { ...process.env, ROOT_ACCESS_KEY_ID: accessKey, ROOT_SECRET_ACCESS_KEY: secretKey },
    }),
  );
  const port = server.port;
  const endpoint = `http://127.0.0.1:${port}`;
  const env = {
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: accessKey,
    AWS_SECRET_ACCESS_KEY: secretKey,
    AWS_REGION: 'us-east-1',
    AWS_ALLOW_HTTP: 'true',
  };
  return {
    endpoint,
    accessKey,
    secretKey,
    region: 'us-east-1',
    env,
    dir: data,
    stop: async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Creates a bucket on the server (the lake does not create buckets: that is the owner's choice of region and policy). */
export async function createBucket(server: S3Server, bucket: string): Promise<void> {
  const { S3Client, CreateBucketCommand } = await import('@aws-sdk/client-s3');
  const client = new S3Client({
    region: server.region,
    endpoint: server.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: server.accessKey, secretAccessKey: server.secretKey },
  });
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } finally {
    client.destroy();
  }
}
