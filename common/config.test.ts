import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { projectRoot } from '../stack/paths.js';
import { configReference } from '../cli/config-command.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, configDocs } from './config.js';
import { redact } from './log.js';
import { UserError } from './errors.js';

test('defaults point at the local stack and environment variables win', () => {
  const c = loadConfig({ env: { KAFKA_BROKERS: 'a:1, b:2', CDC_SNAPSHOT_MODE: 'never' } });
  assert.deepEqual(c.kafka.brokers, ['a:1', 'b:2']);
  assert.equal(c.cdc.snapshotMode, 'never');
  assert.equal(c.cdc.snapshotChunkSize, 2000);
  assert.equal(c.metrics.host, '127.0.0.1');
});

test('a wrong value names the option, where it came from and the accepted values', () => {
  assert.throws(
    () => loadConfig({ env: { CDC_SNAPSHOT_MODE: 'sometimes' } }),
    (e: unknown) =>
      e instanceof UserError &&
      /cdc\.snapshotMode is "sometimes"/.test(e.message) &&
      /initial, never, when_needed/.test(e.message) &&
      e.where === 'environment variable CDC_SNAPSHOT_MODE',
  );
  assert.throws(() => loadConfig({ env: { CDC_SNAPSHOT_CHUNK_SIZE: '0' } }), /cdc\.snapshotChunkSize is "0"; expected an integer from 1/);
});

test('the config file is checked: unknown keys and bad JSON are refused with the file named', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
  const file = join(dir, 'c.json');
  writeFileSync(file, JSON.stringify({ cdc: { snapshotMod: 'never' } }));
  assert.throws(() => loadConfig({ file, env: {} }), (e: unknown) => e instanceof UserError && /unknown configuration option "cdc.snapshotMod"/.test(e.message) && e.where === file);
  writeFileSync(file, '{"cdc": ');
  assert.throws(() => loadConfig({ file, env: {} }), /not valid JSON/);
  writeFileSync(file, JSON.stringify({ cdc: { tombstones: false } }));
  assert.equal(loadConfig({ file, env: {} }).cdc.tombstones, false);
});

test('secrets from the configuration never reach a log line', () => {
  loadConfig({ env: { DATABASE_URL: 'postgres://u:s3cr3t-pw@h/db', SLACK_BOT_TOKEN: 'xoxb-123-secret' } });
  const line = redact('connecting to postgres://u:s3cr3t-pw@h/db with xoxb-123-secret');
  assert.ok(!line.includes('s3cr3t-pw') && !line.includes('xoxb-123-secret'), line);
});

test('every option is documented', () => {
  const docs = configDocs();
  for (const key of ['database.url', 'cdc.snapshotMode', 'cdc.decimalHandling', 'slack.token']) assert.ok(docs.includes(`\`${key}\``), key);
});

test('docs/configuration.md lists exactly the options the code reads (regenerate with `lakehouse config docs`)', () => {
  const doc = readFileSync(join(projectRoot(), 'docs', 'configuration.md'), 'utf8');
  assert.equal(doc, configReference(), 'docs/configuration.md is out of date: run `node bin/lakehouse.js config docs > docs/configuration.md`');
});

test('a password that is also a common word does not blank that word in logs', () => {
  loadConfig({ env: { DATABASE_URL: 'postgres://lakehouse:lakehouse@127.0.0.1:1/lakehouse' } });
  assert.equal(redact('created topic lakehouse.public.t'), 'created topic lakehouse.public.t');
  assert.equal(redact('url postgres://lakehouse:lakehouse@127.0.0.1:1/lakehouse'), 'url postgres://lakehouse:***@127.0.0.1:1/lakehouse');
});
