// Azure Blob Storage and ADLS Gen2 accounts (through their Blob endpoint, which both serve),
// through Microsoft's own client. Commits are uploads with ifNoneMatch: '*' (Azure answers 409
// BlobAlreadyExists or 412 ConditionNotMet when the blob exists). Credentials come from the usual
// variables: AZURE_STORAGE_CONNECTION_STRING, or AZURE_STORAGE_ACCOUNT_NAME with
// AZURE_STORAGE_ACCOUNT_KEY or AZURE_STORAGE_SAS_TOKEN (AZURE_STORAGE_ENDPOINT for another blob
// endpoint); a plain-http endpoint needs AZURE_ALLOW_HTTP=true, as in delta-rs. The client's own
// retries are off: the common policy (common/retry.ts) is the only one.

import { AnonymousCredential, BlobServiceClient, StorageSharedKeyCredential, type ContainerClient, type StoragePipelineOptions } from '@azure/storage-blob';
import { UserError, errorMessage } from '../../common/errors.js';
import { registerSecret } from '../../common/log.js';
import { isRetriableStatus, networkReason, retryAfterMs, type Transient } from '../../common/retry.js';
import { folderOf, type ListPage, type ObjectInfo, type ObjectStore } from './object-storage.js';
import { RequestCounts } from './storage.js';

const PIPELINE: StoragePipelineOptions = { retryOptions: { maxTries: 1, tryTimeoutInMs: 120_000 } };

interface AzureFailure {
  statusCode?: number;
  code?: string;
  name?: string;
  response?: { headers?: { get(name: string): string | undefined } };
}

function statusOf(e: unknown): number | undefined {
  return (e as AzureFailure | undefined)?.statusCode;
}

function codeOf(e: unknown): string {
  const f = e as AzureFailure | undefined;
  return f?.code ?? f?.name ?? 'Error';
}

function yes(v: string | undefined): boolean {
  return /^(true|1|yes)$/i.test(v ?? '');
}

/** The service client for an account (undefined: the one the environment names). */
export function azureService(account: string | undefined, env: NodeJS.ProcessEnv = process.env): { service: BlobServiceClient; endpoint: string } {
  const allowHttp = yes(env.AZURE_ALLOW_HTTP);
  const checkHttp = (endpoint: string) => {
    if (/^http:/i.test(endpoint) && !allowHttp) {
      throw new UserError(`the Azure Blob endpoint ${new URL(endpoint).origin} is plain http, which would send data unencrypted`, {
        fix: 'use https, or set AZURE_ALLOW_HTTP=true for a store on a trusted network (Azurite on loopback)',
      });
    }
  };
  const cs = env.AZURE_STORAGE_CONNECTION_STRING;
  if (cs) {
    for (const part of cs.split(';')) {
      const m = /^(AccountKey|SharedAccessSignature)=(.*)$/i.exec(part.trim());
      if (m) registerSecret(m[2]);
    }
    let service: BlobServiceClient;
    try {
      service = BlobServiceClient.fromConnectionString(cs, PIPELINE);
    } catch (e) {
      throw new UserError(`AZURE_STORAGE_CONNECTION_STRING is not a valid connection string (${errorMessage(e).split('\n')[0]})`, {
        fix: 'copy it from the storage account\'s "Access keys" page, or use AZURE_STORAGE_ACCOUNT_NAME and AZURE_STORAGE_ACCOUNT_KEY',
      });
    }
    checkHttp(service.url);
    if (account && service.accountName && service.accountName !== account) {
      throw new UserError(`the lake root names the storage account ${account} but AZURE_STORAGE_CONNECTION_STRING is for ${service.accountName}`, {
        fix: 'use the connection string of that account, or az://container/prefix to take the account from the connection string',
      });
    }
    return { service, endpoint: service.url };
  }
  const name = account ?? env.AZURE_STORAGE_ACCOUNT_NAME;
  if (!name) {
    throw new UserError('no Azure storage account is configured for an az:// lake root', {
      fix: 'set AZURE_STORAGE_CONNECTION_STRING, or AZURE_STORAGE_ACCOUNT_NAME with AZURE_STORAGE_ACCOUNT_KEY or AZURE_STORAGE_SAS_TOKEN (or name the account: abfss://container@account.dfs.core.windows.net/prefix)',
    });
  }
  const endpoint = (env.AZURE_STORAGE_ENDPOINT || `https://${name}.blob.core.windows.net`).replace(/\/+$/, '');
  checkHttp(endpoint);
  const key = env.AZURE_STORAGE_ACCOUNT_KEY;
  const sas = env.AZURE_STORAGE_SAS_TOKEN?.replace(/^\?/, '');
  if (key) {
    registerSecret(key);
    return { service: new BlobServiceClient(endpoint, new StorageSharedKeyCredential(name, key), PIPELINE), endpoint };
  }
  if (sas) {
    registerSecret(sas);
    for (const part of sas.split('&')) if (part.startsWith('sig=')) registerSecret(part.slice(4));
    return { service: new BlobServiceClient(`${endpoint}?${sas}`, new AnonymousCredential(), PIPELINE), endpoint };
  }
  throw new UserError(`no credentials for the Azure storage account ${name}`, {
    fix: 'set AZURE_STORAGE_ACCOUNT_KEY or AZURE_STORAGE_SAS_TOKEN, or AZURE_STORAGE_CONNECTION_STRING (Microsoft Entra ID sign-in is not supported yet)',
  });
}

export class AzureStore implements ObjectStore {
  readonly kind = 'Azure Blob';
  readonly base: string;
  readonly requests = new RequestCounts();
  private made: ContainerClient | undefined;
  private endpoint = '';

  constructor(
    private readonly containerName: string,
    private readonly account: string | undefined,
    readonly partSize = 8 << 20,
  ) {
    this.base = account ? `abfss://${containerName}@${account}.dfs.core.windows.net` : `az://${containerName}`;
  }

  /** Made at the first request, so that naming a root never fails on settings it does not use yet. */
  private get container(): ContainerClient {
    if (!this.made) {
      const { service, endpoint } = azureService(this.account);
      this.endpoint = endpoint.split('?')[0]!;
      this.made = service.getContainerClient(this.containerName);
    }
    return this.made;
  }

  async get(key: string, range?: { start: number; length: number }): Promise<Uint8Array | undefined> {
    try {
      const res = await this.container.getBlobClient(key).download(range?.start ?? 0, range?.length);
      const chunks: Buffer[] = [];
      for await (const chunk of res.readableStreamBody!) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    } catch (e) {
      if (statusOf(e) === 404 && codeOf(e) !== 'ContainerNotFound') return undefined;
      if (range && statusOf(e) === 416) return new Uint8Array(0);
      throw e;
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const p = await this.container.getBlobClient(key).getProperties();
      return { key, size: p.contentLength ?? 0, modified: p.lastModified?.getTime() ?? 0 };
    } catch (e) {
      if (statusOf(e) === 404 && codeOf(e) !== 'ContainerNotFound') return undefined;
      throw e;
    }
  }

  async put(key: string, body: Uint8Array, ifAbsent: boolean): Promise<boolean> {
    try {
      await this.container.getBlockBlobClient(key).upload(body, body.length, ifAbsent ? { conditions: { ifNoneMatch: '*' } } : {});
      return true;
    } catch (e) {
      if (ifAbsent && exists(e)) return false;
      throw e;
    }
  }

  async startParts(): Promise<string> {
    // blocks are staged under ids of this upload; staged blocks never committed expire on their own
    return Math.random().toString(36).slice(2, 10).padEnd(8, '0');
  }

  async putPart(key: string, upload: string, index: number, body: Uint8Array): Promise<string> {
    // block ids of one blob must have the same length
    const id = Buffer.from(`${upload}-${String(index).padStart(6, '0')}`).toString('base64');
    await this.container.getBlockBlobClient(key).stageBlock(id, body, body.length);
    return id;
  }

  async finishParts(key: string, _upload: string, parts: string[], ifAbsent: boolean): Promise<boolean> {
    try {
      await this.container.getBlockBlobClient(key).commitBlockList(parts, ifAbsent ? { conditions: { ifNoneMatch: '*' } } : {});
      return true;
    } catch (e) {
      if (ifAbsent && exists(e)) return false;
      throw e;
    }
  }

  async abortParts(): Promise<void> {
    // nothing to abort: uncommitted blocks are discarded by the service
  }

  async listPage(prefix: string, delimited: boolean, next: string | undefined): Promise<ListPage> {
    const pages = delimited
      ? this.container.listBlobsByHierarchy('/', { prefix }).byPage({ maxPageSize: 5000, ...(next ? { continuationToken: next } : {}) })
      : this.container.listBlobsFlat({ prefix }).byPage({ maxPageSize: 5000, ...(next ? { continuationToken: next } : {}) });
    const page = (await pages.next()).value as
      | { continuationToken?: string; segment: { blobItems: Array<{ name: string; properties: { contentLength?: number; lastModified?: Date } }>; blobPrefixes?: Array<{ name: string }> } }
      | undefined;
    if (!page) return { files: [], folders: [] };
    return {
      files: page.segment.blobItems.map((b) => ({ key: b.name, size: b.properties.contentLength ?? 0, modified: b.properties.lastModified?.getTime() ?? 0 })),
      folders: (page.segment.blobPrefixes ?? []).map((p) => folderOf(prefix, p.name)).filter(Boolean),
      ...(page.continuationToken ? { next: page.continuationToken } : {}),
    };
  }

  async delete(key: string): Promise<void> {
    await this.container.getBlobClient(key).deleteIfExists();
  }

  transient(e: unknown): Transient | undefined {
    const status = statusOf(e);
    const code = codeOf(e);
    if (isRetriableStatus(status) || /^(ServerBusy|OperationTimedOut|InternalError)$/.test(code)) {
      return { reason: `${status ?? ''} ${code}`.trim(), waitMs: retryAfterMs((e as AzureFailure).response?.headers?.get('retry-after')) };
    }
    if (status === undefined) {
      const reason = networkReason(e) ?? (code === 'REQUEST_SEND_ERROR' ? code : undefined);
      if (reason) return { reason };
    }
    return undefined;
  }

  ambiguous(e: unknown): boolean {
    const status = statusOf(e);
    return status === undefined || (status >= 500 && status !== 503);
  }

  explain(e: unknown, what: string, where: string): Error {
    const status = statusOf(e);
    const code = codeOf(e);
    if (code === 'ContainerNotFound') {
      return new UserError(`the Azure container of the lake root does not exist`, { where, fix: 'create it, or correct the container in LAKE_ROOT (az://container/prefix)', cause: e });
    }
    if (status === 403 || /^(AuthenticationFailed|AuthorizationFailure|AuthorizationPermissionMismatch)$/.test(code)) {
      return new UserError(`Azure Blob refused ${what} (${status ?? ''} ${code})`, {
        where,
        fix: 'check the account key, SAS token or connection string (AZURE_STORAGE_*) and that it allows read, write, delete and list on the container',
        cause: e,
      });
    }
    if (status === undefined && (networkReason(e) || code === 'REQUEST_SEND_ERROR')) {
      return new UserError(`cannot reach Azure Blob at ${this.endpoint} (${networkReason(e) ?? code}) for ${what}`, {
        where,
        fix: 'check that the account is reachable (AZURE_STORAGE_ENDPOINT or the connection string, network, proxy); the lake retried for a minute before giving up',
        cause: e,
      });
    }
    return new UserError(`Azure Blob ${what} failed: ${status ?? ''} ${code}: ${errorMessage(e).split('\n')[0]}`, { where, cause: e });
  }
}

/** The answers to a conditional create when the blob is there. */
function exists(e: unknown): boolean {
  const status = statusOf(e);
  return status === 412 || (status === 409 && codeOf(e) === 'BlobAlreadyExists');
}
