// Azurite (Microsoft's Azure Storage emulator, the npm devDependency pinned at 3.35.0, the last
// release that runs on Node 20): its blob service on a free loopback port over a private folder,
// with a private account and key, for the tests. Its ADLS Gen2 (dfs) endpoint is not served; the
// lake uses the Blob API for abfss:// roots too, which Azurite does serve.

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { UserError } from '../common/errors.js';
import { portOpen, waitFor } from './process.js';
import { freePort } from './versitygw.js';

export interface AzureServer {
  account: string;
  key: string;
  endpoint: string;
  connectionString: string;
  /** Environment for the lake's Azure client. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

function azuriteBlobMain(): string {
  const require = createRequire(import.meta.url);
  let pkg: string;
  try {
    pkg = require.resolve('azurite/package.json');
  } catch {
    throw new UserError('Azurite is not installed', { fix: 'npm ci (it is a devDependency)' });
  }
  return join(dirname(pkg), 'dist', 'src', 'blob', 'main.js');
}

export async function startAzurite(): Promise<AzureServer> {
  const dir = mkdtempSync(join(tmpdir(), 'lakehouse-azurite-'));
  const account = `lake${randomBytes(4).toString('hex')}`;
  const key = randomBytes(32).toString('base64');
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const log = openSync(join(dir, 'azurite.log'), 'a');
    const child = spawn(
      process.execPath,
      [azuriteBlobMain(), '--blobHost', '127.0.0.1', '--blobPort', String(port), '--location', dir, '--skipApiVersionCheck', '--disableTelemetry', '--silent'],
      { stdio: ['ignore', log, log], env: { ...process.env, AZURITE_ACCOUNTS: `${account}:${key}` } },
    );
    closeSync(log);
    try {
      await waitFor(
        'Azurite',
        async () => {
          if (child.exitCode !== null) throw new UserError(`Azurite exited at start (${child.exitCode})`, { fix: readFileSync(join(dir, 'azurite.log'), 'utf8').slice(-2000) });
          return portOpen(port);
        },
        60_000,
        `see ${join(dir, 'azurite.log')}`,
      );
    } catch (e) {
      child.kill('SIGKILL');
      if (attempt >= 3) throw e;
      continue;
    }
    const endpoint = `http://127.0.0.1:${port}/${account}`;
    const connectionString = `DefaultEndpointsProtocol=http;AccountName=${account};AccountKey=${key};BlobEndpoint=${endpoint};`;
    return {
      account,
      key,
      endpoint,
      connectionString,
      env: { AZURE_STORAGE_CONNECTION_STRING: connectionString, AZURE_ALLOW_HTTP: 'true' },
      stop: async () => {
        if (child.exitCode === null && child.signalCode === null) {
          const exited = new Promise((r) => child.once('exit', r));
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
          await exited;
          clearTimeout(timer);
        }
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
}

/** Creates a container on the server. */
export async function createContainer(server: AzureServer, name: string): Promise<void> {
  const { BlobServiceClient } = await import('@azure/storage-blob');
  await BlobServiceClient.fromConnectionString(server.connectionString).getContainerClient(name).create();
}
