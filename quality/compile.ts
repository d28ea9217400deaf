// Turns a table's rule files into the checks the gate runs: the JSON Schema as the first rule,
// then each expectation, checked against the schema's columns (a rule on a column the schema does
// not declare, a bound of the wrong kind, or a quarantine on a window rule is refused here with
// its JSON path) and compiled once.

import type { ErrorObject } from 'ajv';
import { ruleFileError, type TableRuleFiles } from './rules-files.js';
import { BATCH_LEVEL, type Condition, type Expectation } from './rules-format.js';
import { parseDuration, parseTimeBound } from './time.js';
import type { Batch, ColumnKind, CompiledRule, Evaluation, GateRecord } from './types.js';
import { viewBuilder, type ViewBuilder } from './values.js';
import { between, columnPair, conditionTest, inSet, matchesRegex, notNull, perRecord, presentOnlyIf, type Bound } from './expectations/record.js';
import { unique } from './expectations/unique.js';
import { foreignKey } from './expectations/foreign-key.js';
import { freshness, rowCount } from './expectations/windows.js';

export interface TablePlan {
  table: string;
  files: TableRuleFiles;
  kinds: Map<string, ColumnKind>;
  view: ViewBuilder;
  rules: CompiledRule[];
  /** Tables referenced by foreign keys (not the table itself). */
  dependencies: string[];
}

// Top-level schema keywords that never look at an undeclared column.
const VIEW_NEUTRAL = new Set(['$schema', '$id', '$comment', 'title', 'description', 'type', 'required', 'properties', 'examples', 'default']);

function kindOf(prop: unknown): ColumnKind {
  if (!prop || typeof prop !== 'object') return 'other';
  const p = prop as { type?: unknown; format?: unknown };
  const types = (Array.isArray(p.type) ? p.type : [p.type]).filter((t) => t !== 'null');
  if (types.length !== 1) return 'other';
  if (types[0] === 'number' || types[0] === 'integer') return 'number';
  if (types[0] === 'boolean') return 'boolean';
  if (types[0] === 'string') return p.format === 'date' ? 'date' : p.format === 'date-time' ? 'timestamp' : 'string';
  return 'other';
}

function schemaMessage(e: ErrorObject): string {
  const at = e.instancePath || '(record)';
  const p = e.params as Record<string, unknown>;
  if (e.keyword === 'enum') return `${at} ${e.message}: ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
  if (e.keyword === 'type' && Array.isArray(p.type)) return `${at} must be ${(p.type as string[]).join(' or ')}`;
  if (e.keyword === 'additionalProperties') return `${at} has unknown column ${JSON.stringify(p.additionalProperty)}`;
  return `${at} ${e.message}`;
}

function schemaRule(files: TableRuleFiles): CompiledRule {
  const validate = files.validate;
  const sr = files.rules.schemaRule ?? {};
  return {
    name: sr.name ?? 'schema',
    type: 'schema',
    action: sr.action ?? 'quarantine',
    mostly: sr.mostly ?? 1,
    evaluate: (batch) => {
      const failures: Evaluation['failures'] = [];
      for (const i of batch.selected) if (!validate(batch.views[i])) failures.push({ index: i, message: schemaMessage(validate.errors![0]!) });
      return { evaluated: batch.selected.length, failures };
    },
  };
}

export function compileTable(files: TableRuleFiles): TablePlan {
  const file = files.rulesFile;
  const props = files.schema.properties as Record<string, unknown>;
  const kinds = new Map(Object.entries(props).map(([c, p]) => [c, kindOf(p)]));
  const numeric = new Set([...kinds].filter(([, k]) => k === 'number').map(([c]) => c));
  const required = (files.schema.required as string[] | undefined) ?? [];
  const declaredOnly = Object.keys(files.schema).every((k) => VIEW_NEUTRAL.has(k)) && required.every((c) => kinds.has(c));
  const first = schemaRule(files);
  const rules: CompiledRule[] = [first];
  const names = new Set([first.name]);
  const dependencies = new Set<string>();

  files.rules.expectations.forEach((e, i) => {
    const at = `$.expectations[${i}]`;
    const fail = (path: string, reason: string) => ruleFileError(file, `${at}${path}`, reason);
    if (names.has(e.name)) throw fail('.name', `rule name "${e.name}" is used twice in this table (the schema's rule is "${first.name}")`);
    names.add(e.name);
    const column = (c: string, path: string): ColumnKind => {
      const k = kinds.get(c);
      if (k === undefined) throw fail(path, `column "${c}" is not in the schema's properties (${[...kinds.keys()].join(', ')})`);
      return k;
    };
    const timeColumn = (c: string, path: string) => {
      const k = column(c, path);
      if (k !== 'date' && k !== 'timestamp') throw fail(path, `${e.type} needs a date or date-time column; "${c}" is ${k}`);
    };
    if (BATCH_LEVEL.has(e.type) && e.action === 'quarantine') {
      throw fail('.action', `${e.type} judges windows of a batch, not records: its action is warn or fail, not quarantine`);
    }
    const conditions: Array<(r: GateRecord, v: Record<string, unknown>) => boolean> = [];
    if (e.ops) {
      const ops = new Set<string>(e.ops);
      conditions.push((r) => ops.has(r.op));
    }
    if (e.when) {
      column(e.when.column, '.when.column');
      const test = conditionTest(e.when);
      conditions.push((_r, v) => test(v));
    }
    const applies = conditions.length === 0 ? undefined : (r: GateRecord, v: Record<string, unknown>) => conditions.every((c) => c(r, v));
    const rule = (evaluate: (batch: Batch) => Evaluation | Promise<Evaluation>, references?: string[]): CompiledRule => ({
      name: e.name,
      type: e.type,
      action: e.action,
      mostly: e.mostly ?? 1,
      ...(applies ? { applies } : {}),
      ...(references ? { references } : {}),
      evaluate,
    });
    rules.push(compileExpectation(e, { column, timeColumn, fail, rule, dependencies }));
  });

  const view = viewBuilder({ columns: [...kinds.keys()], numeric, dates: files.dateColumns, declaredOnly });
  return { table: files.table, files, kinds, view, rules, dependencies: [...dependencies].filter((t) => t !== files.table) };
}

interface Helpers {
  column(c: string, path: string): ColumnKind;
  timeColumn(c: string, path: string): void;
  fail(path: string, reason: string): Error;
  rule(evaluate: (batch: Batch) => Evaluation | Promise<Evaluation>, references?: string[]): CompiledRule;
  dependencies: Set<string>;
}

function bound(raw: number | string | undefined, kind: ColumnKind, path: string, h: Helpers): Bound | undefined {
  if (raw === undefined) return undefined;
  if (kind === 'number') {
    if (typeof raw !== 'number') throw h.fail(path, `the column is a number, so the bound must be a number, not ${JSON.stringify(raw)}`);
    return { value: raw };
  }
  if (kind === 'date' || kind === 'timestamp') {
    const t = typeof raw === 'string' ? parseTimeBound(raw) : undefined;
    if (!t) throw h.fail(path, `the column is a ${kind}, so the bound must be an ISO-8601 ${kind} or "now", "now-7d", "now+10m", not ${JSON.stringify(raw)}`);
    return { time: t };
  }
  if (kind === 'string' && typeof raw === 'string') return { value: raw };
  throw h.fail(path, `between needs a number, date, date-time or string column with bounds of that kind`);
}

function compileExpectation(e: Expectation, h: Helpers): CompiledRule {
  switch (e.type) {
    case 'not_null':
      h.column(e.column, '.column');
      return h.rule(perRecord(notNull(e.column)));
    case 'between': {
      const kind = h.column(e.column, '.column');
      if (e.min === undefined && e.max === undefined) throw h.fail('', 'between needs "min", "max" or both');
      const min = bound(e.min, kind, '.min', h);
      const max = bound(e.max, kind, '.max', h);
      if (min && max && 'value' in min && 'value' in max && min.value > max.value) throw h.fail('.min', `min ${e.min} is above max ${e.max}`);
      return h.rule(perRecord(between(e.column, kind, min, max, e.strictMin ?? false, e.strictMax ?? false)));
    }
    case 'in_set':
      h.column(e.column, '.column');
      return h.rule(perRecord(inSet(e.column, e.values)));
    case 'matches_regex': {
      const kind = h.column(e.column, '.column');
      if (kind !== 'string' && kind !== 'date' && kind !== 'timestamp') throw h.fail('.column', `matches_regex needs a string column; "${e.column}" is ${kind}`);
      let re: RegExp;
      try {
        re = new RegExp(e.pattern, e.flags ?? '');
      } catch (err) {
        throw h.fail('.pattern', `not a valid regular expression: ${(err as Error).message}`);
      }
      return h.rule(perRecord(matchesRegex(e.column, re)));
    }
    case 'unique': {
      e.columns.forEach((c, j) => h.column(c, `.columns[${j}]`));
      const scope = e.scope ?? (e.columns.length === 1 ? 'table' : 'batch');
      if (scope === 'table' && e.columns.length > 1) throw h.fail('.scope', 'unique against silver ("table") takes one column; use "batch" for several');
      return h.rule(unique(e.columns, scope));
    }
    case 'foreign_key':
      h.column(e.column, '.column');
      h.dependencies.add(e.references.table);
      return h.rule(foreignKey(e.column, e.references.table, e.references.column), [e.references.table]);
    case 'column_pair': {
      const a = h.column(e.left, '.left');
      const b = h.column(e.right, '.right');
      const time = (k: ColumnKind) => k === 'date' || k === 'timestamp';
      if (a !== b && !(time(a) && time(b))) throw h.fail('.right', `"${e.left}" is ${a} and "${e.right}" is ${b}: a column pair compares columns of one kind`);
      if (a === 'other' || a === 'boolean') throw h.fail('.left', `column_pair compares numbers, dates, date-times or strings; "${e.left}" is ${a}`);
      return h.rule(perRecord(columnPair(e.left, e.op, e.right, a)));
    }
    case 'present_only_if':
      h.column(e.column, '.column');
      h.column(e.if.column, '.if.column');
      return h.rule(perRecord(presentOnlyIf(e.column, e.if as Condition)));
    case 'row_count': {
      if (e.column) h.timeColumn(e.column, '.column');
      if (e.window && !e.column) throw h.fail('.window', 'a window needs "column": the date or date-time the rows are counted by');
      e.groupBy?.forEach((c, j) => h.column(c, `.groupBy[${j}]`));
      if (e.min === undefined && e.max === undefined) throw h.fail('', 'row_count needs "min", "max" or both');
      if (e.min !== undefined && e.max !== undefined && e.min > e.max) throw h.fail('.min', `min ${e.min} is above max ${e.max}`);
      const windowMs = e.window ? parseDuration(e.window) : undefined;
      return h.rule(rowCount({ column: e.column, windowMs, groupBy: e.groupBy, min: e.min, max: e.max }));
    }
    case 'freshness':
      h.timeColumn(e.column, '.column');
      e.groupBy?.forEach((c, j) => h.column(c, `.groupBy[${j}]`));
      return h.rule(freshness({ column: e.column, maxAgeMs: parseDuration(e.maxAge)!, groupBy: e.groupBy }));
  }
}
