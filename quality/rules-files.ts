// Reads a rules folder: per source table a JSON Schema (<schema>.<table>.schema.json) and an
// expectations file (<schema>.<table>.expectations.json). Everything wrong with a file is refused
// here, at start, with the file, the JSON path in it and the reason, so a bad edit never reaches a
// running stage as a silent no-op.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { UserError } from '../common/errors.js';
import { RULES_FILE_SCHEMA, type RulesFile } from './rules-format.js';
import { addLakeTimestampKeyword, withLakeTimestamps } from './lake-timestamps.js';

// ajv-formats is CommonJS with a default export; under NodeNext its namespace carries `default`.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => Ajv;

export interface TableRuleFiles {
  table: string;
  schemaFile: string;
  rulesFile: string;
  schema: Record<string, unknown>;
  validate: ValidateFunction;
  /** Columns whose Date values the validator takes as they are (lake-timestamps.ts). */
  dateColumns: Set<string>;
  rules: RulesFile;
}

const SCHEMA_SUFFIX = '.schema.json';
const RULES_SUFFIX = '.expectations.json';

export function ruleFileError(file: string, path: string | undefined, reason: string, fix?: string): UserError {
  return new UserError(`invalid quality rules: ${reason}`, {
    where: path ? `${file} at ${path}` : file,
    fix: fix ?? 'correct the file (its format is described in docs/quality.md); `lakehouse quality rules` checks the folder',
  });
}

/** "/expectations/3/mostly" → "$.expectations[3].mostly". */
export function jsonPath(pointer: string): string {
  if (pointer === '' || pointer === '#') return '$';
  const parts = pointer.replace(/^#/, '').split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  return '$' + parts.map((p) => (/^\d+$/.test(p) ? `[${p}]` : /^[A-Za-z_$][\w$]*$/.test(p) ? `.${p}` : `[${JSON.stringify(p)}]`)).join('');
}

/** Parses JSON, naming the line and column of a syntax error. */
export function readJsonFile(file: string): unknown {
  const text = readFileSync(file, 'utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    const message = (e as Error).message;
    const pos = /position (\d+)/.exec(message);
    let where = '';
    if (pos) {
      const before = text.slice(0, Number(pos[1]));
      const line = before.split('\n').length;
      where = ` (line ${line}, column ${before.length - before.lastIndexOf('\n')})`;
    }
    throw ruleFileError(file, undefined, `not valid JSON${where}: ${message}`);
  }
}

/** A fresh ajv as the gate uses it: strict, formats, first error only (the input is untrusted). */
export function newAjv(): Ajv {
  const ajv = new Ajv({ strict: true, allowUnionTypes: true, allErrors: false, discriminator: true });
  addFormats(ajv);
  return ajv;
}

let rulesFileValidator: ValidateFunction | undefined;

function describeError(e: ErrorObject): { path: string; reason: string } {
  const path = jsonPath(e.instancePath);
  const p = e.params as Record<string, unknown>;
  if (e.keyword === 'additionalProperties') {
    return { path: `${path}.${String(p.additionalProperty)}`, reason: `unknown field "${String(p.additionalProperty)}"` };
  }
  if (e.keyword === 'discriminator') {
    const known = (RULES_FILE_SCHEMA.properties.expectations.items.oneOf as ReadonlyArray<{ properties: { type: { const: string } } }>).map((b) => b.properties.type.const);
    return { path: `${path}.type`, reason: `expectation type ${JSON.stringify(p.tagValue)} is not one of ${known.join(', ')}` };
  }
  if (e.keyword === 'enum') return { path, reason: `${/\.([A-Za-z_$][\w$]*)$/.exec(path)?.[1] ?? 'the value'} ${e.message}: ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}` };
  const field = /\.([A-Za-z_$][\w$]*)$/.exec(path)?.[1];
  return { path, reason: field ? `${field} ${e.message}` : e.message ?? e.keyword };
}

function checkRulesFile(file: string, data: unknown): RulesFile {
  rulesFileValidator ??= newAjv().compile(RULES_FILE_SCHEMA);
  if (!rulesFileValidator(data)) {
    const { path, reason } = describeError(rulesFileValidator.errors![0]!);
    throw ruleFileError(file, path, reason);
  }
  return data as RulesFile;
}

/** Finds the JSON path of the first object key named `keyword` (for ajv's strict-mode errors, which carry none). */
function findKey(v: unknown, keyword: string, path = '$'): string | undefined {
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const found = findKey(v[i], keyword, `${path}[${i}]`);
      if (found) return found;
    }
  } else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      const here = /^[A-Za-z_$][\w$]*$/.test(k) ? `${path}.${k}` : `${path}[${JSON.stringify(k)}]`;
      if (k === keyword) return here;
      const found = findKey(x, keyword, here);
      if (found) return found;
    }
  }
  return undefined;
}

function compileSchema(file: string, schema: unknown): { schema: Record<string, unknown>; validate: ValidateFunction; dateColumns: Set<string> } {
  if (!schema || typeof schema !== 'object' || Array.isArray(schema)) throw ruleFileError(file, '$', 'a JSON Schema must be an object');
  const s = schema as Record<string, unknown>;
  if (s.type !== 'object' || !s.properties || typeof s.properties !== 'object') {
    throw ruleFileError(file, '$', 'the schema must have "type": "object" and "properties" (the gate reads each column\'s type from them)');
  }
  const ajv = newAjv();
  if (!ajv.validateSchema(s)) {
    const e = ajv.errors![0]!;
    throw ruleFileError(file, jsonPath(e.instancePath), `not a valid JSON Schema: ${e.message}${e.keyword === 'enum' ? ` (${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')})` : ''}`);
  }
  try {
    ajv.compile(s); // the schema as written, so errors name its own keywords and paths
  } catch (e) {
    const message = (e as Error).message;
    const keyword = /unknown keyword: "([^"]+)"/.exec(message);
    if (keyword) throw ruleFileError(file, findKey(s, keyword[1]!), `unknown JSON Schema keyword "${keyword[1]}"`);
    const format = /unknown format "([^"]+)" ignored in schema at path "([^"]*)"/.exec(message);
    if (format) throw ruleFileError(file, `${jsonPath(format[2]!)}.format`, `unknown format "${format[1]}"`, 'use a format ajv-formats knows (date, date-time, time, email, uri, uuid, ...)');
    throw ruleFileError(file, undefined, message);
  }
  const fast = withLakeTimestamps(s);
  const runtime = newAjv();
  addLakeTimestampKeyword(runtime);
  return { schema: s, validate: runtime.compile(fast.schema), dateColumns: fast.dateColumns };
}

/** Reads every table's pair of files in `dir`. */
export function readRulesDir(dir: string): TableRuleFiles[] {
  const root = resolve(dir);
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw new UserError(`quality rules folder ${root} does not exist`, { fix: 'set quality.rulesDir (QUALITY_RULES_DIR) to a folder of rule files, or leave it empty for the project\'s quality/rules' });
  }
  const tables = new Map<string, { schema?: string; rules?: string }>();
  for (const f of readdirSync(root).sort()) {
    if (!f.endsWith('.json')) continue;
    const suffix = f.endsWith(SCHEMA_SUFFIX) ? SCHEMA_SUFFIX : f.endsWith(RULES_SUFFIX) ? RULES_SUFFIX : undefined;
    const table = suffix ? f.slice(0, -suffix.length) : '';
    if (!suffix || !/^[^.]+\.[^.]+$/.test(table)) {
      throw ruleFileError(join(root, f), undefined, 'a rules file is named <schema>.<table>.schema.json or <schema>.<table>.expectations.json', 'rename it, or move it out of the rules folder');
    }
    const entry = tables.get(table) ?? {};
    if (suffix === SCHEMA_SUFFIX) entry.schema = join(root, f);
    else entry.rules = join(root, f);
    tables.set(table, entry);
  }
  const out: TableRuleFiles[] = [];
  for (const [table, files] of tables) {
    if (!files.schema || !files.rules) {
      const missing = join(root, `${table}${files.schema ? RULES_SUFFIX : SCHEMA_SUFFIX}`);
      throw ruleFileError(missing, undefined, `table ${table} needs both a JSON Schema and an expectations file; this one is missing`, `create ${missing} (an expectations file may hold "expectations": [])`);
    }
    const { schema, validate, dateColumns } = compileSchema(files.schema, readJsonFile(files.schema));
    const rules = checkRulesFile(files.rules, readJsonFile(files.rules));
    out.push({ table, schemaFile: files.schema, rulesFile: files.rules, schema, validate, dateColumns, rules });
  }
  return out;
}
