// Azurite (Microsoft's Azure Storage emulator, the npm devDependency pinned at 3.35.0, the last
// release that runs on Node 20): its blob service on a free loopback port over a private folder,
// with a private account and key, for the tests. Its ADLS Gen2 (dfs) endpoint is not served; the
// lake uses the Blob API for abfss:// roots too, which Azurite does serve.

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { UserError } from '../common/errors.js';
import { serveOnFreePort } from './process.js';

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
  const server = await serveOnFreePort('Azurite', join(dir, 'azurite.log'), (port, out) =>
    spawn(
      process.execPath,
      [azuriteBlobMain(), '--blobHost', '127.0.0.1', '--blobPort', String(port), '--location', dir, '--skipApiVersionCheck', '--disableTelemetry', '--silent'],
      { stdio: ['ignore', out, out], env: { ...process.env, AZURITE_ACCOUNTS: `${account}:${key}` } },
    ),
  );
  const endpoint = `http://127.0.0.1:${server.port}/${account}`;
  const connectionString = `DefaultEndpointsProtocol=http;AccountName=${account};AccountKey=${key};BlobEndpoint=${endpoint};`;
  return {
    account,
    key,
    endpoint,
    connectionString,
    env: { AZURE_STORAGE_CONNECTION_STRING: connectionString, AZURE_ALLOW_HTTP: 'true' },
    stop: async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Creates a container on the server. */
export async function createContainer(server: AzureServer, name: string): Promise<void> {
  const { BlobServiceClient } = await import('@azure/storage-blob');
  await BlobServiceClient.fromConnectionString(server.connectionString).getContainerClient(name).create();
}
