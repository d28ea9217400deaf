// A rule folder with a mistake is refused when the gate loads, naming the file, the JSON path in
// it and the reason; the command line says the same and exits 1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { QualityGate, DEFAULT_RULES_DIR } from './gate.js';
import { UserError } from '../common/errors.js';
import { rulesDir } from './testing/rules-dir.js';

const SCHEMA = {
  type: 'object',
  properties: { id: { type: 'integer' }, amount: { type: 'number' }, at: { type: 'string', format: 'date-time' }, kind: { type: 'string' } },
};
const OK_RULE = { name: 'kind_known', type: 'in_set', column: 'kind', values: ['a'], action: 'warn' };

function refused(t: { after: (fn: () => void) => void }, files: Record<string, unknown>): { error: UserError; dir: string } {
  const dir = rulesDir(t, files);
  try {
    QualityGate.load(dir);
  } catch (e) {
    assert.ok(e instanceof UserError, `a UserError, not ${String(e)}`);
    return { error: e, dir };
  }
  assert.fail('the folder was accepted');
}

function expectRefusal(t: { after: (fn: () => void) => void }, files: Record<string, unknown>, file: string, path: string | undefined, reason: RegExp): void {
  const { error, dir } = refused(t, files);
  assert.equal(error.where, path ? `${join(dir, file)} at ${path}` : join(dir, file));
  assert.match(error.message, reason);
  assert.match(error.fix ?? '', /docs\/quality\.md|rename|create|cycle|format|loop/);
}

const withRules = (expectations: unknown[]) => ({ 'x.t.schema.json': SCHEMA, 'x.t.expectations.json': { expectations } });

test('the project\'s rules load: five demo tables, referenced tables first', () => {
  const gate = QualityGate.load(DEFAULT_RULES_DIR);
  assert.deepEqual(gate.tables(), ['public.employees', 'public.activities', 'public.stadiums', 'public.matches', 'public.crowd_readings']);
  assert.deepEqual(gate.dependencies('public.activities'), ['public.employees']);
  assert.deepEqual(gate.dependencies('public.crowd_readings'), ['public.matches']);
});

test('expectation files: each mistake is refused with the file, the JSON path and the reason', (t) => {
  const file = 'x.t.expectations.json';
  expectRefusal(t, withRules([OK_RULE, { ...OK_RULE, name: 'b', mostly: 1.5 }]), file, '$.expectations[1].mostly', /mostly must be <= 1/);
  expectRefusal(t, withRules([{ ...OK_RULE, mostyl: 0.9 }]), file, '$.expectations[0].mostyl', /unknown field "mostyl"/);
  expectRefusal(t, withRules([{ ...OK_RULE, type: 'notnull' }]), file, '$.expectations[0].type', /expectation type "notnull" is not one of not_null, between, in_set/);
  expectRefusal(t, withRules([{ ...OK_RULE, action: 'drop' }]), file, '$.expectations[0].action', /action must be equal to one of the allowed values: "warn", "quarantine", "fail"/);
  expectRefusal(t, withRules([{ name: 'x', type: 'not_null', action: 'warn' }]), file, '$.expectations[0]', /must have required property 'column'/);
  expectRefusal(t, withRules([OK_RULE, { name: 'amount_ok', type: 'between', column: 'amout', min: 0, action: 'quarantine' }]), file, '$.expectations[1].column', /column "amout" is not in the schema's properties \(id, amount, at, kind\)/);
  expectRefusal(t, withRules([{ name: 'amount_ok', type: 'between', column: 'amount', min: '0', action: 'quarantine' }]), file, '$.expectations[0].min', /the column is a number, so the bound must be a number, not "0"/);
  expectRefusal(t, withRules([{ name: 'recent', type: 'between', column: 'at', min: 'yesterday', action: 'quarantine' }]), file, '$.expectations[0].min', /ISO-8601 timestamp or "now", "now-7d"/);
  expectRefusal(t, withRules([{ name: 'n', type: 'row_count', column: 'at', window: '1h', max: 5, action: 'quarantine' }]), file, '$.expectations[0].action', /row_count judges windows of a batch, not records: its action is warn or fail/);
  expectRefusal(t, withRules([{ name: 'n', type: 'row_count', column: 'at', window: '1 hour', max: 5, action: 'warn' }]), file, '$.expectations[0].window', /window must match pattern/);
  expectRefusal(t, withRules([{ name: 'k', type: 'matches_regex', column: 'kind', pattern: '([a-z]', action: 'warn' }]), file, '$.expectations[0].pattern', /not a valid regular expression/);
  expectRefusal(t, withRules([OK_RULE, OK_RULE]), file, '$.expectations[1].name', /rule name "kind_known" is used twice/);
  expectRefusal(t, withRules([{ name: 'u', type: 'unique', columns: ['id', 'kind'], scope: 'table', action: 'quarantine' }]), file, '$.expectations[0].scope', /takes one column/);
  expectRefusal(t, withRules([{ name: 'p', type: 'column_pair', left: 'amount', op: '>', right: 'at', action: 'quarantine' }]), file, '$.expectations[0].right', /"amount" is number and "at" is timestamp/);
  expectRefusal(t, withRules([{ name: 'fk', type: 'foreign_key', column: 'id', references: { table: 'x.other', column: 'id' }, action: 'quarantine' }]), file, '$.expectations[0].references.table', /table x\.other has no rules in this folder \(tables: x\.t\)/);
  expectRefusal(t, { ...withRules([{ name: 'fk', type: 'foreign_key', column: 'id', references: { table: 'x.u', column: 'uid' }, action: 'quarantine' }]), 'x.u.schema.json': SCHEMA, 'x.u.expectations.json': { expectations: [] } },
    file, '$.expectations[0].references.column', /column "uid" is not in x\.u's schema/);
  expectRefusal(t, { 'x.t.schema.json': SCHEMA, 'x.t.expectations.json': '{\n  "expectations": [\n    { "name": "a", }\n  ]\n}' }, file, undefined, /not valid JSON \(line 3, column 20\)/);
});

test('JSON Schema files: an invalid schema, an unknown keyword or format is refused with its path', (t) => {
  const file = 'x.t.schema.json';
  const rules = { 'x.t.expectations.json': { expectations: [] } };
  expectRefusal(t, { ...rules, [file]: { ...SCHEMA, properties: { ...SCHEMA.properties, amount: { type: 'numbr' } } } }, file, '$.properties.amount.type', /not a valid JSON Schema: must be equal to one of the allowed values/);
  expectRefusal(t, { ...rules, [file]: { ...SCHEMA, properties: { ...SCHEMA.properties, amount: { type: 'number', minimun: 0 } } } }, file, '$.properties.amount.minimun', /unknown JSON Schema keyword "minimun"/);
  expectRefusal(t, { ...rules, [file]: { ...SCHEMA, properties: { ...SCHEMA.properties, at: { type: 'string', format: 'date-tme' } } } }, file, '$.properties.at.format', /unknown format "date-tme"/);
  expectRefusal(t, { ...rules, [file]: { ...SCHEMA, properties: { ...SCHEMA.properties, amount: { type: 'number', minimum: 'zero' } } } }, file, '$.properties.amount.minimum', /must be number/);
  expectRefusal(t, { ...rules, [file]: { type: 'array' } }, file, '$', /must have "type": "object" and "properties"/);
});

test('the folder: a file named otherwise, or a table with half its pair, is refused', (t) => {
  expectRefusal(t, { ...withRules([]), 'notes.json': {} }, 'notes.json', undefined, /named <schema>\.<table>\.schema\.json/);
  expectRefusal(t, { 'x.t.schema.json': SCHEMA }, 'x.t.expectations.json', undefined, /table x\.t needs both a JSON Schema and an expectations file; this one is missing/);
});

test('foreign keys that loop are refused', (t) => {
  const fk = (table: string) => ({ expectations: [{ name: 'fk', type: 'foreign_key', column: 'id', references: { table, column: 'id' }, action: 'quarantine' }] });
  const { error } = refused(t, { 'x.a.schema.json': SCHEMA, 'x.a.expectations.json': fk('x.b'), 'x.b.schema.json': SCHEMA, 'x.b.expectations.json': fk('x.a') });
  assert.match(error.message, /foreign keys form a cycle: x\.a → x\.b → x\.a/);
});

test('lakehouse quality rules lists the rules, and reports a bad file with where and fix, exit code 1', (t) => {
  const ok = spawnSync(process.execPath, ['bin/lakehouse.js', 'quality', 'rules'], { encoding: 'utf8' });
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /public\.activities {2}\(after public\.employees\)\n {2}schema +schema +quarantine +mostly 1\n {2}employee_exists +foreign_key +quarantine/);
  const dir = rulesDir(t, withRules([{ ...OK_RULE, mostly: 2 }]));
  const bad = spawnSync(process.execPath, ['bin/lakehouse.js', 'quality', 'rules', '--dir', dir], { encoding: 'utf8' });
  assert.equal(bad.status, 1);
  assert.equal(bad.stderr.trim().split('\n')[0], 'error: invalid quality rules: mostly must be <= 1');
  assert.match(bad.stderr, new RegExp(`where: ${join(dir, 'x.t.expectations.json').replace(/[.]/g, '\\.')} at \\$\\.expectations\\[0\\]\\.mostly`));
  assert.match(bad.stderr, /fix: {3}correct the file/);
});
