// Object stores for tests: one versitygw (S3) and one Azurite (Azure Blob) per test file, started
// on first use on free loopback ports; the file stops them with `after(stopObjectStores)` at its
// top level (they stop even when a test failed). The lake's clients
// read their settings from the environment, so the servers' settings are put into this process's
// environment (each test file runs in a process of its own) and given to child processes.

import { randomBytes } from 'node:crypto';
import { createContainer, startAzurite, type AzureServer } from '../../stack/azurite.js';
import { createBucket, startVersitygw, type S3Server } from '../../stack/versitygw.js';

let s3: Promise<S3Server> | undefined;
let azure: Promise<AzureServer> | undefined;

/** The test file's S3 server; its settings are in process.env from now on. */
export function testS3(): Promise<S3Server> {
  if (!s3) {
    s3 = startVersitygw({ say: (m) => process.stderr.write(`${m}\n`) }).then((server) => {
      Object.assign(process.env, server.env);
      return server;
    });
  }
  return s3;
}

export function testAzure(): Promise<AzureServer> {
  if (!azure) {
    azure = startAzurite().then((server) => {
      Object.assign(process.env, server.env);
      return server;
    });
  }
  return azure;
}

/** A new bucket on the test S3 server and a lake root in it (s3://bucket/lake). */
export async function s3Lake(): Promise<{ root: string; bucket: string; server: S3Server }> {
  const server = await testS3();
  const bucket = `lake-${randomBytes(4).toString('hex')}`;
  await createBucket(server, bucket);
  return { root: `s3://${bucket}/lake`, bucket, server };
}

/** A new container on the test Azurite and a lake root in it (az://container/lake). */
export async function azureLake(): Promise<{ root: string; container: string; server: AzureServer }> {
  const server = await testAzure();
  const container = `lake-${randomBytes(4).toString('hex')}`;
  await createContainer(server, container);
  return { root: `az://${container}/lake`, container, server };
}

/** Stops the servers this file started (for its top-level `after`). */
export async function stopObjectStores(): Promise<void> {
  const running = [s3, azure].filter((p): p is Promise<S3Server> | Promise<AzureServer> => p !== undefined);
  s3 = azure = undefined;
  await Promise.all(running.map(async (p) => (await p.catch(() => undefined))?.stop()));
}
