// The format of a table's expectations file (quality/rules/<schema>.<table>.expectations.json),
// as TypeScript types and as the JSON Schema that checks a file before anything else reads it,
// so a typo in a rule file is refused with its JSON path instead of being ignored.

import { DURATION_PATTERN } from './time.js';

export type Action = 'warn' | 'quarantine' | 'fail';
export type Op = 'c' | 'u' | 'r';
export type Scalar = string | number | boolean;

/** Limits a rule to the records whose `column` is (or is not) one of the values. */
export interface Condition {
  column: string;
  in?: Scalar[];
  notIn?: Scalar[];
}

interface Base {
  name: string;
  description?: string;
  action: Action;
  /** Fraction of evaluated records (or windows) that must pass for the rule to pass; 1 by default. */
  mostly?: number;
  /** Only records with these change operations are evaluated (all by default). */
  ops?: Op[];
  /** Only records matching this are evaluated. */
  when?: Condition;
}

export type Expectation = Base &
  (
    | { type: 'not_null'; column: string }
    | { type: 'between'; column: string; min?: number | string; max?: number | string; strictMin?: boolean; strictMax?: boolean }
    | { type: 'in_set'; column: string; values: Scalar[] }
    | { type: 'matches_regex'; column: string; pattern: string; flags?: string }
    | { type: 'unique'; columns: string[]; scope?: 'batch' | 'table' }
    | { type: 'foreign_key'; column: string; references: { table: string; column: string } }
    | { type: 'column_pair'; left: string; op: '<' | '<=' | '>' | '>=' | '==' | '!='; right: string }
    | { type: 'present_only_if'; column: string; if: Condition }
    | { type: 'row_count'; column?: string; window?: string; groupBy?: string[]; min?: number; max?: number }
    | { type: 'freshness'; column: string; maxAge: string; groupBy?: string[] }
  );

export type ExpectationType = Expectation['type'];

export interface RulesFile {
  $comment?: string;
  description?: string;
  /** How the JSON Schema itself is applied: its rule name, action and mostly. */
  schemaRule?: { name?: string; action?: Action; mostly?: number };
  expectations: Expectation[];
}

/** Rules judged per window or group of a batch, not per record: they cannot quarantine a record. */
export const BATCH_LEVEL: ReadonlySet<ExpectationType> = new Set(['row_count', 'freshness']);

const scalar = { type: ['string', 'number', 'boolean'] };
const name = { type: 'string', pattern: '^[a-z][a-z0-9_]*$', maxLength: 80 };
const column = { type: 'string', minLength: 1 };
const columns = { type: 'array', items: column, minItems: 1, uniqueItems: true };
const condition = {
  type: 'object',
  additionalProperties: false,
  required: ['column'],
  minProperties: 2,
  properties: { column, in: { type: 'array', items: scalar, minItems: 1 }, notIn: { type: 'array', items: scalar, minItems: 1 } },
};
const base = {
  type: { type: 'string' },
  name,
  description: { type: 'string' },
  action: { enum: ['warn', 'quarantine', 'fail'] },
  mostly: { type: 'number', minimum: 0, maximum: 1 },
  ops: { type: 'array', items: { enum: ['c', 'u', 'r'] }, minItems: 1, uniqueItems: true },
  when: condition,
};
const bound = { type: ['number', 'string'] };
const duration = { type: 'string', pattern: DURATION_PATTERN };

const SHAPES: Record<ExpectationType, { required: string[]; properties: Record<string, unknown> }> = {
  not_null: { required: ['column'], properties: { column } },
  between: { required: ['column'], properties: { column, min: bound, max: bound, strictMin: { type: 'boolean' }, strictMax: { type: 'boolean' } } },
  in_set: { required: ['column', 'values'], properties: { column, values: { type: 'array', items: scalar, minItems: 1 } } },
  matches_regex: { required: ['column', 'pattern'], properties: { column, pattern: { type: 'string' }, flags: { type: 'string', pattern: '^[imsu]*$' } } },
  unique: { required: ['columns'], properties: { columns, scope: { enum: ['batch', 'table'] } } },
  foreign_key: {
    required: ['column', 'references'],
    properties: {
      column,
      references: { type: 'object', additionalProperties: false, required: ['table', 'column'], properties: { table: { type: 'string', pattern: '^[^.]+\\.[^.]+$' }, column } },
    },
  },
  column_pair: { required: ['left', 'op', 'right'], properties: { left: column, op: { enum: ['<', '<=', '>', '>=', '==', '!='] }, right: column } },
  present_only_if: { required: ['column', 'if'], properties: { column, if: condition } },
  row_count: { required: [], properties: { column, window: duration, groupBy: columns, min: { type: 'integer', minimum: 0 }, max: { type: 'integer', minimum: 0 } } },
  freshness: { required: ['column', 'maxAge'], properties: { column, maxAge: duration, groupBy: columns } },
};

export const EXPECTATION_TYPES = Object.keys(SHAPES) as ExpectationType[];

/** The JSON Schema of an expectations file (ajv with `discriminator: true`). */
export const RULES_FILE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['expectations'],
  properties: {
    $comment: { type: 'string' },
    description: { type: 'string' },
    schemaRule: {
      type: 'object',
      additionalProperties: false,
      properties: { name, action: base.action, mostly: base.mostly },
    },
    expectations: {
      type: 'array',
      items: {
        type: 'object',
        required: ['type', 'name', 'action'],
        properties: { type: { type: 'string' }, name, action: base.action },
        discriminator: { propertyName: 'type' },
        oneOf: EXPECTATION_TYPES.map((t) => ({
          type: 'object',
          additionalProperties: false,
          required: SHAPES[t].required,
          properties: { ...base, ...SHAPES[t].properties, type: { const: t } },
        })),
      },
    },
  },
} as const;
