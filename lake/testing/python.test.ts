// The oracle runner: a Python reader that aborts in its teardown after a complete answer (as
// delta-rs's runtime does now and then) gives that answer; one that dies before finishing fails.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { runPythonJson } from './python.js';
import { tempLake } from './tmp.js';

function script(dir: string, name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, body);
  return path;
}

test('a complete answer followed by an abort at exit is the answer', (t) => {
  const dir = tempLake(t);
  // What delta-rs does: the answer is out, then the C++ runtime aborts during teardown.
  const path = script(dir, 'abort.py', [
    'import json, os, sys',
    'sys.stdout.write(json.dumps({"rows": [1, 2, 3]})); sys.stdout.flush()',
    'sys.stderr.write("terminate called without an active exception\\n"); sys.stderr.flush()',
    'os.abort()',
  ].join('\n'));
  assert.deepEqual(runPythonJson(path), { rows: [1, 2, 3] });
});

test('a truncated answer, a crash before answering, or another failure after it fails', (t) => {
  const dir = tempLake(t);
  const truncated = script(dir, 'truncated.py', 'import os, sys\nsys.stdout.write(\'{"rows": [1, 2\'); sys.stdout.flush()\nos.abort()\n');
  assert.throws(() => runPythonJson(truncated), /failed \(SIGABRT\)/);
  const raised = script(dir, 'raised.py', 'raise RuntimeError("the table is broken")\n');
  assert.throws(() => runPythonJson(raised), /the table is broken/);
  const exitAfter = script(dir, 'exit.py', 'import sys\nprint("{}")\nsys.stderr.write("out of memory")\nsys.exit(3)\n');
  assert.throws(() => runPythonJson(exitAfter), /then failed \(exit 3\): out of memory/);
});

test('the delta-rs oracle exits cleanly after answering', (t) => {
  const dir = tempLake(t);
  // With the interpreter's teardown, about one run in ten aborted here after answering.
  const oracle = join(import.meta.dirname, 'deltalake_oracle.py');
  const table = join(dir, 't');
  const req = JSON.stringify([
    { kind: 'write', path: table, spec: [{ op: 'write', schema: [['id', 'long']], rows: [{ id: 1 }] }] },
    { path: table },
  ]);
  for (let i = 1; i <= 20; i++) {
    const res = spawnSync('python3', [oracle], { input: req, encoding: 'utf8' });
    assert.equal(res.status, 0, `run ${i}: ${res.signal ?? ''} ${res.stderr}`);
    const [, read] = JSON.parse(res.stdout) as Array<{ rows: unknown[] }>;
    assert.equal(read?.rows.length, i);
  }
});
