// The Storage contract, run against every backend alike: a local folder, S3 (a real versitygw
// server) and Azure Blob (a real Azurite). What the Delta log relies on: put-if-absent has exactly
// one winner among racing writers (small bodies, 1 MiB bodies, bodies uploaded in parts), reads,
// ranged reads, listings, replacing puts, deletes, and large local files uploaded in parts.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { azureLake, s3Lake, stopObjectStores } from '../../test/support/object-stores.js';
import { cachedLocal } from '../kernel/fetch.js';
import { AzureStore } from './azure.js';
import { ObjectStorage } from './object-storage.js';
import { parseLakeRoot, tableStorage } from './root.js';
import { S3Store } from './s3.js';
import type { Storage } from './storage.js';

after(stopObjectStores);

/** Part size of the backends under test: S3 refuses parts under 5 MiB but the last. */
const PART = 5 << 20;

interface Backend {
  name: string;
  /** A fresh, empty table storage. */
  make(): Promise<Storage>;
}

const temps: string[] = [];
after(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));

const backends: Backend[] = [
  {
    name: 'local folder',
    make: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'lakehouse-storage-'));
      temps.push(dir);
      return tableStorage(dir, 't');
    },
  },
  {
    name: 'S3 (versitygw)',
    make: async () => {
      const { root } = await s3Lake();
      const r = parseLakeRoot(root) as { bucket: string; prefix: string };
      return new ObjectStorage(new S3Store(r.bucket, undefined, PART), `${r.prefix}/t`);
    },
  },
  {
    name: 'Azure Blob (Azurite)',
    make: async () => {
      const { root } = await azureLake();
      const r = parseLakeRoot(root) as { container: string; prefix: string };
      return new ObjectStorage(new AzureStore(r.container, undefined, PART), `${r.prefix}/t`);
    },
  },
];

const text = (b: Uint8Array | undefined) => (b === undefined ? undefined : Buffer.from(b).toString('utf8'));

/** `n` writers race for one name with distinct bodies; returns who won and what is stored. */
async function race(s: Storage, path: string, bodies: Buffer[]): Promise<{ winners: number[]; stored: Uint8Array | undefined }> {
  const results = await Promise.all(bodies.map((b) => s.putIfAbsent(path, b)));
  return { winners: results.flatMap((ok, i) => (ok ? [i] : [])), stored: await s.read(path) };
}

for (const backend of backends) {
  describe(`storage contract: ${backend.name}`, () => {
    test('a missing file reads as undefined, lists as nothing, deletes without error', async () => {
      const s = await backend.make();
      assert.equal(await s.read('nope.json'), undefined);
      assert.equal(await s.readRange('nope.parquet', 0, 10), undefined);
      assert.equal(await s.stat('nope.json'), undefined);
      assert.deepEqual(await s.list('_delta_log'), []);
      assert.deepEqual(await s.listFolders('bronze'), []);
      await s.delete('nope.json');
    });

    test('put, replace, read, stat and ranged reads', async () => {
      const s = await backend.make();
      await s.put('_delta_log/_last_checkpoint', Buffer.from('{"version":1}'));
      await s.put('_delta_log/_last_checkpoint', Buffer.from('{"version":10}'));
      assert.equal(text(await s.read('_delta_log/_last_checkpoint')), '{"version":10}');
      const st = await s.stat('_delta_log/_last_checkpoint');
      assert.equal(st?.size, 14);
      assert.ok(st!.modified > Date.now() - 600_000 && st!.modified < Date.now() + 600_000, `modified ${st!.modified} is about now`);
      const body = randomBytes(100_000);
      await s.put('part-0.parquet', body);
      // a Parquet footer is read from the end: the last 8 bytes, then the footer before them
      assert.deepEqual(Buffer.from((await s.readRange('part-0.parquet', body.length - 8, 8))!), body.subarray(body.length - 8));
      assert.deepEqual(Buffer.from((await s.readRange('part-0.parquet', 1000, 5000))!), body.subarray(1000, 6000));
      assert.deepEqual(Buffer.from((await s.readRange('part-0.parquet', body.length - 10, 100))!), body.subarray(body.length - 10), 'a range past the end gives the bytes there are');
    });

    test('putIfAbsent creates once and never replaces', async () => {
      const s = await backend.make();
      assert.equal(await s.putIfAbsent('_delta_log/00000000000000000000.json', Buffer.from('first')), true);
      assert.equal(await s.putIfAbsent('_delta_log/00000000000000000000.json', Buffer.from('second')), false);
      assert.equal(text(await s.read('_delta_log/00000000000000000000.json')), 'first');
    });

    test('20 writers racing for one commit: exactly one wins and its bytes are stored', async () => {
      const s = await backend.make();
      const bodies = Array.from({ length: 20 }, (_, i) => Buffer.from(`{"commitInfo":{"writer":${i}}}\n`));
      const { winners, stored } = await race(s, '_delta_log/00000000000000000001.json', bodies);
      assert.equal(winners.length, 1, `winners: ${winners.join(', ')}`);
      assert.deepEqual(Buffer.from(stored!), bodies[winners[0]!]);
    });

    test('20 writers racing with 1 MiB bodies: exactly one wins, stored whole', async () => {
      const s = await backend.make();
      const bodies = Array.from({ length: 20 }, () => randomBytes(1 << 20));
      const { winners, stored } = await race(s, '_delta_log/00000000000000000002.json', bodies);
      assert.equal(winners.length, 1, `winners: ${winners.join(', ')}`);
      assert.ok(Buffer.from(stored!).equals(bodies[winners[0]!]!), 'the stored object is the winner\'s, whole');
    });

    test('20 writers racing with bodies uploaded in parts: exactly one completion wins', async () => {
      const s = await backend.make();
      // over the part size, so each is a multipart upload whose completion is conditional
      const bodies = Array.from({ length: 20 }, () => randomBytes(PART + 4096));
      const { winners, stored } = await race(s, '_delta_log/00000000000000000003.json', bodies);
      assert.equal(winners.length, 1, `winners: ${winners.join(', ')}`);
      assert.ok(Buffer.from(stored!).equals(bodies[winners[0]!]!), 'the stored object is the winner\'s, whole');
    });

    test('a local file over the part size is uploaded in parts and reads back byte for byte', async () => {
      const s = await backend.make();
      const dir = mkdtempSync(join(tmpdir(), 'lakehouse-upload-'));
      temps.push(dir);
      const file = join(dir, 'big.parquet');
      const body = randomBytes(2 * PART + 12345);
      writeFileSync(file, body);
      const before = s.requests.snapshot().write;
      await s.putLocalFile('date=2026-01-01/part-00000-big.zstd.parquet', file);
      const writes = s.requests.snapshot().write - before;
      if (s.localPath('x') === undefined) assert.ok(writes >= 5, `start, 3 parts and completion are ${writes} write requests`);
      assert.ok(Buffer.from((await s.read('date=2026-01-01/part-00000-big.zstd.parquet'))!).equals(body));
      // what the Parquet engine opens
      assert.ok(readFileSync(await cachedLocal(s, 'date=2026-01-01/part-00000-big.zstd.parquet')).equals(body));
      assert.equal((await s.stat('date=2026-01-01/part-00000-big.zstd.parquet'))?.size, body.length);
    });

    test('listing: one folder or recursively, folders without their files, deletes', async () => {
      const s = await backend.make();
      for (const p of ['_delta_log/00000000000000000000.json', '_delta_log/00000000000000000001.json', 'a=1/f1.parquet', 'a=1/b=2/f2.parquet', 'a=3/f3.parquet', 'top.parquet']) {
        await s.put(p, Buffer.from(p));
      }
      const paths = async (dir: string, recursive = false) => (await s.list(dir, { recursive })).map((f) => f.path).sort();
      assert.deepEqual(await paths('_delta_log'), ['_delta_log/00000000000000000000.json', '_delta_log/00000000000000000001.json']);
      assert.deepEqual(await paths('a=1'), ['a=1/f1.parquet']);
      assert.deepEqual(await paths('a=1', true), ['a=1/b=2/f2.parquet', 'a=1/f1.parquet']);
      assert.deepEqual(await paths('', true), ['_delta_log/00000000000000000000.json', '_delta_log/00000000000000000001.json', 'a=1/b=2/f2.parquet', 'a=1/f1.parquet', 'a=3/f3.parquet', 'top.parquet']);
      assert.deepEqual(await paths(''), ['top.parquet']);
      assert.deepEqual((await s.listFolders('')).sort(), ['_delta_log', 'a=1', 'a=3']);
      assert.deepEqual(await s.listFolders('a=1'), ['b=2']);
      const [f] = await s.list('a=3');
      assert.equal(f!.size, 'a=3/f3.parquet'.length);
      await s.delete('a=3/f3.parquet');
      assert.deepEqual(await paths('a=3'), []);
      assert.equal(await s.read('a=3/f3.parquet'), undefined);
    });

    test('every request is counted', async () => {
      const s = await backend.make();
      const before = s.requests.total();
      await s.putIfAbsent('x.json', Buffer.from('x'));
      await s.read('x.json');
      await s.list('');
      await s.stat('x.json');
      await s.delete('x.json');
      assert.equal(s.requests.total() - before, 5);
    });
  });
}

describe('lake roots', () => {
  test('a URL root is parsed into its store, a table path may not leave it', () => {
    assert.deepEqual(parseLakeRoot('s3://bucket/a/b/'), { kind: 's3', bucket: 'bucket', prefix: 'a/b' });
    assert.deepEqual(parseLakeRoot('s3a://bucket'), { kind: 's3', bucket: 'bucket', prefix: '' });
    assert.deepEqual(parseLakeRoot('az://lake/prod'), { kind: 'azure', container: 'lake', account: undefined, prefix: 'prod' });
    assert.deepEqual(parseLakeRoot('abfss://lake@acct.dfs.core.windows.net/prod/x'), { kind: 'azure', container: 'lake', account: 'acct', prefix: 'prod/x' });
    assert.deepEqual(parseLakeRoot('./data'), { kind: 'local', dir: './data' });
    assert.deepEqual(parseLakeRoot('file:///srv/lake'), { kind: 'local', dir: '/srv/lake' });
    assert.throws(() => parseLakeRoot('gs://bucket/x'), /scheme gs:\/\/ is not one the lake supports/);
    assert.throws(() => parseLakeRoot('s3://AKIA:hunter2secret@bucket/x'), (e: Error) => /holds credentials/.test(e.message) && !JSON.stringify(e).includes('hunter2secret') && !(e as { where?: string }).where?.includes('hunter2secret'));
    for (const bad of ['../x', 'a/../../x', '/etc', 's3://other/x']) {
      assert.throws(() => tableStorage('s3://bucket/lake', bad), /is not inside the lake root/, bad);
    }
    assert.equal(tableStorage('s3://bucket/lake', 'bronze/public/t').location, 's3://bucket/lake/bronze/public/t');
    assert.equal(tableStorage('az://c', 'gold/kpis').location, 'az://c/gold/kpis');
  });
});
