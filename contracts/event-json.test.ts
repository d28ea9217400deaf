// int8 values beyond 2^53 survive parsing; strings that look like numbers are left alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseEventJson, quoteLongIntegers } from './event-json.js';

test('row integers beyond 2^53 come back exact, as strings; everything else as JSON.parse gives it', () => {
  const text = '{"before":null,"after":{"id":9007199254740993,"n":-12345678901234567,"x":1.5e300,"s":"9007199254740993"},"ts_ns":1732406400000000000}';
  const v = parseEventJson(text) as { after: Record<string, unknown> };
  assert.equal(v.after.id, '9007199254740993');
  assert.equal(v.after.n, '-12345678901234567');
  assert.equal(v.after.x, 1.5e300);
  assert.equal(v.after.s, '9007199254740993');
  const plain = parseEventJson('{"after":{"id":42},"ts_ns":1732406400000000000}') as { after: { id: number }; ts_ns: number };
  assert.equal(plain.after.id, 42, 'the fast path: no row value needs it');
});

test('digits inside strings, escapes and decimals are never quoted', () => {
  const text = '{"a":"x\\"12345678901234567\\"","b":12345678901234567.5,"c":[12345678901234567]}';
  assert.equal(quoteLongIntegers(text), '{"a":"x\\"12345678901234567\\"","b":12345678901234567.5,"c":["12345678901234567"]}');
});
