// Amazon S3 and S3-compatible stores, through AWS's own client. Commits are PutObject with
// If-None-Match: * (S3 answers 412 when the key exists, 409 while another conditional write to it
// is in flight, which is retried). Settings and credentials come from the AWS SDK's usual places
// (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, AWS_PROFILE and ~/.aws, instance
// and container roles; AWS_REGION), plus the names delta-rs reads, so that one environment serves
// both: AWS_ENDPOINT_URL (or AWS_ENDPOINT_URL_S3) for another store, which is then addressed
// path-style unless AWS_VIRTUAL_HOSTED_STYLE_REQUEST=true, and AWS_ALLOW_HTTP=true to allow a
// plain-http endpoint. The client's own retries are off: the common policy (common/retry.ts) is
// the only one.

import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { UserError, errorMessage } from '../../common/errors.js';
import { registerSecret } from '../../common/log.js';
import { isRetriableStatus, networkReason, retryAfterMs, type Transient } from '../../common/retry.js';
import { folderOf, type ListPage, type ObjectInfo, type ObjectStore } from './object-storage.js';
import { RequestCounts } from './storage.js';

// The project runs on Node 20; the SDK's releases pinned in package-lock.json support it, and its
// start-up warning about releases after January 2027 (which will need Node 22) would be printed by
// every command. docs/dependencies.md says so instead.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export interface S3Settings {
  endpoint?: string;
  region: string;
  pathStyle: boolean;
}

/** The S3 settings from the environment (see the header); a plain-http endpoint needs AWS_ALLOW_HTTP. */
export function s3Settings(env: NodeJS.ProcessEnv = process.env): S3Settings {
  const endpoint = env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined;
  if (endpoint) {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      throw new UserError(`AWS_ENDPOINT_URL is not a URL: ${endpoint}`, { fix: 'set it to the store\'s address, e.g. https://s3.example.com:9000' });
    }
    if (url.username || url.password) {
      throw new UserError('AWS_ENDPOINT_URL holds credentials', { fix: 'put them in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY instead' });
    }
    if (url.protocol === 'http:' && !/^(true|1|yes)$/i.test(env.AWS_ALLOW_HTTP ?? '')) {
      throw new UserError(`the S3 endpoint ${url.origin} is plain http, which would send data unencrypted`, {
        fix: 'use https, or set AWS_ALLOW_HTTP=true for a store on a trusted network (a test server on loopback)',
      });
    }
  }
  const virtualHosted = /^(true|1|yes)$/i.test(env.AWS_VIRTUAL_HOSTED_STYLE_REQUEST ?? '');
  return {
    endpoint,
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1',
    pathStyle: endpoint !== undefined && !virtualHosted,
  };
}

interface S3Failure {
  name?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
  $response?: { headers?: Record<string, string> };
}

function statusOf(e: unknown): number | undefined {
  return (e as S3Failure | undefined)?.$metadata?.httpStatusCode;
}

function nameOf(e: unknown): string {
  const f = e as S3Failure | undefined;
  return f?.Code ?? f?.name ?? 'Error';
}

export class S3Store implements ObjectStore {
  readonly kind = 'S3';
  readonly base: string;
  readonly requests = new RequestCounts();
  private made: S3Client | undefined;

  constructor(
    readonly bucket: string,
    private readonly given: S3Settings | undefined = undefined,
    readonly partSize = 8 << 20,
  ) {
    this.base = `s3://${bucket}`;
  }

  /** Made at the first request, so that naming a root never fails on settings it does not use yet. */
  private get client(): S3Client {
    if (!this.made) {
      const settings = (this.settings = this.given ?? s3Settings());
      registerSecret(process.env.AWS_SECRET_ACCESS_KEY);
      registerSecret(process.env.AWS_SESSION_TOKEN);
      this.made = new S3Client({
        region: settings.region,
        ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
        forcePathStyle: settings.pathStyle,
        followRegionRedirects: true,
        maxAttempts: 1,
        requestHandler: { connectionTimeout: 10_000, requestTimeout: 120_000 },
      });
    }
    return this.made;
  }

  private settings: S3Settings | undefined;

  async get(key: string, range?: { start: number; length: number }): Promise<Uint8Array | undefined> {
    try {
      const res = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: key, ...(range ? { Range: `bytes=${range.start}-${range.start + range.length - 1}` } : {}) }),
      );
      return await res.Body!.transformToByteArray();
    } catch (e) {
      if (statusOf(e) === 404 && nameOf(e) !== 'NoSuchBucket') return undefined;
      if (range && statusOf(e) === 416) return new Uint8Array(0);
      throw e;
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const res = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { key, size: res.ContentLength ?? 0, modified: res.LastModified?.getTime() ?? 0 };
    } catch (e) {
      if (statusOf(e) === 404 && nameOf(e) !== 'NoSuchBucket') return undefined;
      throw e;
    }
  }

  async put(key: string, body: Uint8Array, ifAbsent: boolean): Promise<boolean> {
    try {
      await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentLength: body.length, ...(ifAbsent ? { IfNoneMatch: '*' } : {}) }));
      return true;
    } catch (e) {
      if (ifAbsent && statusOf(e) === 412) return false;
      throw e;
    }
  }

  async startParts(key: string): Promise<string> {
    const res = await this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: key, ChecksumAlgorithm: 'CRC32' }));
    return res.UploadId!;
  }

  async putPart(key: string, upload: string, index: number, body: Uint8Array): Promise<string> {
    const res = await this.client.send(
      new UploadPartCommand({ Bucket: this.bucket, Key: key, UploadId: upload, PartNumber: index + 1, Body: body, ContentLength: body.length, ChecksumAlgorithm: 'CRC32' }),
    );
    return JSON.stringify({ ETag: res.ETag, ChecksumCRC32: res.ChecksumCRC32 });
  }

  async finishParts(key: string, upload: string, parts: string[], ifAbsent: boolean): Promise<boolean> {
    try {
      await this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key: key,
          UploadId: upload,
          MultipartUpload: { Parts: parts.map((p, i) => ({ ...(JSON.parse(p) as { ETag: string; ChecksumCRC32?: string }), PartNumber: i + 1 })) },
          ...(ifAbsent ? { IfNoneMatch: '*' } : {}),
        }),
      );
      return true;
    } catch (e) {
      if (ifAbsent && statusOf(e) === 412) return false;
      throw e;
    }
  }

  async abortParts(key: string, upload: string): Promise<void> {
    await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: upload }));
  }

  async listPage(prefix: string, delimited: boolean, next: string | undefined): Promise<ListPage> {
    const res = await this.client.send(
      new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ...(delimited ? { Delimiter: '/' } : {}), ...(next ? { ContinuationToken: next } : {}) }),
    );
    return {
      files: (res.Contents ?? []).map((o) => ({ key: o.Key!, size: o.Size ?? 0, modified: o.LastModified?.getTime() ?? 0 })),
      folders: (res.CommonPrefixes ?? []).map((p) => folderOf(prefix, p.Prefix!)).filter(Boolean),
      ...(res.IsTruncated && res.NextContinuationToken ? { next: res.NextContinuationToken } : {}),
    };
  }

  async delete(key: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (e) {
      if (statusOf(e) === 404 && nameOf(e) !== 'NoSuchBucket') return;
      throw e;
    }
  }

  transient(e: unknown): Transient | undefined {
    const status = statusOf(e);
    const name = nameOf(e);
    // another conditional write to the key is in flight: S3 asks to try again
    if (status === 409 && /ConditionalRequestConflict|OperationAborted/.test(name)) return { reason: `409 ${name}` };
    if (isRetriableStatus(status) || /^(SlowDown|Throttling|ThrottlingException|RequestTimeout|InternalError|ServiceUnavailable)$/.test(name)) {
      return { reason: `${status ?? ''} ${name}`.trim(), waitMs: retryAfterMs((e as S3Failure).$response?.headers?.['retry-after']) };
    }
    if (status === undefined) {
      const reason = networkReason(e);
      if (reason) return { reason };
    }
    return undefined;
  }

  ambiguous(e: unknown): boolean {
    const status = statusOf(e);
    // no answer, or a server error after the request was read; 503 SlowDown and 429 refuse it
    return status === undefined || (status >= 500 && status !== 503);
  }

  explain(e: unknown, what: string, where: string): Error {
    const status = statusOf(e);
    const name = nameOf(e);
    if (name === 'CredentialsProviderError' || /could not load credentials/i.test(errorMessage(e))) {
      return new UserError('no S3 credentials were found', {
        where,
        fix: 'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE), or run where an instance or container role applies',
        cause: e,
      });
    }
    if (name === 'NoSuchBucket') {
      return new UserError(`the S3 bucket ${this.bucket} does not exist`, { where, fix: 'create it, or correct the bucket in LAKE_ROOT (s3://bucket/prefix)', cause: e });
    }
    if (status === 403 || /^(InvalidAccessKeyId|SignatureDoesNotMatch|AccessDenied)$/.test(name)) {
      return new UserError(`S3 refused ${what} (${status ?? ''} ${name})`.replace('( ', '('), {
        where,
        fix: 'check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (or the profile) and that its policy allows s3:GetObject, s3:PutObject, s3:DeleteObject and s3:ListBucket on the lake prefix',
        cause: e,
      });
    }
    if (status === undefined && networkReason(e)) {
      return new UserError(`cannot reach S3${this.settings?.endpoint ? ` at ${this.settings.endpoint}` : ''} (${networkReason(e)}) for ${what}`, {
        where,
        fix: 'check that the store is up and reachable (AWS_ENDPOINT_URL, network, proxy); the lake retried for a minute before giving up',
        cause: e,
      });
    }
    return new UserError(`S3 ${what} failed: ${status ?? ''} ${name}: ${errorMessage(e)}`, { where, cause: e });
  }
}
