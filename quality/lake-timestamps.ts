// Timestamps as the lake holds them (Date) checked without a round trip through text: a schema
// property that is only `"type": "string", "format": "date-time"` (nullable or not, with
// annotations) is validated by an equivalent keyword that takes a Date as it is, and a string
// by the same date-time format. Formatting and re-parsing two timestamps per record was most of
// the gate's time; the rule files still say what they mean in plain JSON Schema.

import type { Ajv, SchemaValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

const formatsPlugin = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as { get(name: string): unknown };
const dateTime = formatsPlugin.get('date-time') as { validate: (s: string) => boolean };

export const KEYWORD = 'x-lake-date-time';
const ANNOTATIONS = new Set(['type', 'format', 'title', 'description', '$comment', 'examples', 'default', 'deprecated', 'readOnly', 'writeOnly']);

export function addLakeTimestampKeyword(ajv: Ajv): void {
  const validate = function check(nullable: boolean, data: unknown, _parent?: unknown, cxt?: { instancePath: string }): boolean {
    let message: string;
    if (data instanceof Date) {
      if (!Number.isNaN(data.getTime())) return true;
      message = 'must be a valid date-time';
    } else if (data === null) {
      if (nullable) return true;
      message = 'must be string';
    } else if (typeof data === 'string') {
      if (dateTime.validate(data)) return true;
      message = 'must match format "date-time"';
    } else message = nullable ? 'must be string or null' : 'must be string';
    validate.errors = [{ keyword: KEYWORD, message, params: {}, instancePath: cxt?.instancePath ?? '', schemaPath: `#/${KEYWORD}` }];
    return false;
  } as SchemaValidateFunction;
  ajv.addKeyword({ keyword: KEYWORD, schemaType: 'boolean', errors: true, validate });
}

/** The schema with plain date-time properties swapped for the keyword, and those properties' names. */
export function withLakeTimestamps(schema: Record<string, unknown>): { schema: Record<string, unknown>; dateColumns: Set<string> } {
  const props = schema.properties as Record<string, Record<string, unknown>>;
  const out: Record<string, unknown> = {};
  const dateColumns = new Set<string>();
  for (const [name, p] of Object.entries(props)) {
    const types = p && typeof p === 'object' ? [p.type].flat() : [];
    const plain = p && p.format === 'date-time' && Object.keys(p).every((k) => ANNOTATIONS.has(k)) && types.includes('string') && types.every((t) => t === 'string' || t === 'null');
    if (plain) {
      out[name] = { [KEYWORD]: types.includes('null') };
      dateColumns.add(name);
    } else out[name] = p;
  }
  return { schema: { ...schema, properties: out }, dateColumns };
}
