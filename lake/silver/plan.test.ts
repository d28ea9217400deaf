// The change-log arithmetic of silver, on its own: last change per key, truncates, deletes and
// re-inserts, and unchanged TOASTed values filled from the run or left for the merge.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keyOf, planChanges } from './plan.js';

const k = (id: number) => keyOf({ id }, ['id']);

let pos = 0;
const change = (op: string, id: number | null, note: string | null, toasted: string[] | null = null) => ({
  id, note, _op: op, _lsn: 1n, _position: String(++pos).padStart(8, '0'), _source_ts: new Date(0), _toasted: toasted,
});
const plan = (rows: ReturnType<typeof change>[]) => planChanges({ rows, keyColumns: ['id'], sourceColumns: ['id', 'note'] }, new Date(1));

test('the last change per key wins; a delete after an insert leaves a delete', () => {
  const p = plan([change('c', 1, 'a'), change('u', 1, 'b'), change('c', 2, 'x'), change('d', 2, null)]);
  assert.deepEqual([...p.upserts.values()].map((r) => [r.id, r.note, r._op]), [[1, 'b', 'u']]);
  assert.deepEqual([...p.deletes.keys()], [k(2)]);
  assert.equal(p.truncate, false);
  assert.deepEqual(p.counts, { inserts: 2, updates: 1, deletes: 1, truncates: 0 });
});

test('a delete then a re-insert of the same key is an upsert of the new row', () => {
  const p = plan([change('d', 3, null), change('c', 3, 'again')]);
  assert.equal(p.deletes.size, 0);
  assert.equal(p.upserts.get(k(3))!.note, 'again');
});

test('a truncate forgets everything before it; what follows is the whole table', () => {
  const p = plan([change('c', 1, 'a'), change('d', 2, null), change('t', null, null), change('c', 5, 'e')]);
  assert.equal(p.truncate, true);
  assert.deepEqual([...p.upserts.keys()], [k(5)]);
  assert.equal(p.deletes.size, 0);
});

test('an unchanged TOASTed value comes from an earlier change of the run, or is left for the merge', () => {
  const inRun = plan([change('u', 1, 'long text'), change('u', 1, null, ['note'])]);
  assert.equal(inRun.upserts.get(k(1))!.note, 'long text');
  assert.equal(inRun.toasted.size, 0);
  const fromSilver = plan([change('u', 2, null, ['note'])]);
  assert.deepEqual(fromSilver.toasted.get(k(2)), ['note'], 'the merge takes it from the silver row');
  const afterTruncate = plan([change('t', null, null), change('u', 3, null, ['note'])]);
  assert.equal(afterTruncate.toasted.size, 0, 'nothing to keep after a truncate');
});
