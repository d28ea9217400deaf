// Runs the Python reference readers the tests compare against (delta-rs's `deltalake`, pyarrow).
// Each script prints one JSON document and leaves. delta-rs's runtime sometimes aborts during the
// interpreter's teardown ("terminate called without an active exception", SIGABRT) after printing
// a complete answer; such a run is a success, not a failed test. A truncated or missing answer
// does not parse, so it still fails, with what Python printed on stderr.

import { spawnSync } from 'node:child_process';

const TEARDOWN_ABORT = /terminate called without an active exception/;

export class PythonError extends Error {}

export function runPythonJson<T>(script: string, args: string[] = [], input?: string, env?: NodeJS.ProcessEnv): T {
  const res = spawnSync('python3', [script, ...args], {
    input,
    ...(env ? { env } : {}),
    encoding: 'utf8',
    maxBuffer: 1024 * 1024 * 1024,
  });
  if (res.error) {
    const hint = (res.error as NodeJS.ErrnoException).code === 'ENOENT' ? ' (install Python 3: apt-get install python3)' : '';
    throw new PythonError(`could not run python3 ${script}: ${res.error.message}${hint}`);
  }
  const died = res.status !== 0;
  let answer: T;
  try {
    answer = JSON.parse(res.stdout) as T;
  } catch {
    const missing = /No module named '(\w+)'/.exec(res.stderr)?.[1];
    const hint = missing ? ` (pip install -r requirements-test.txt installs ${missing})` : '';
    throw new PythonError(
      `python3 ${script} ${died ? `failed (${res.signal ?? `exit ${res.status}`})` : 'printed no complete answer'}${hint}: ${res.stderr.trim().slice(-4000)}`,
    );
  }
  if (died && !(res.signal === 'SIGABRT' || TEARDOWN_ABORT.test(res.stderr))) {
    // A complete answer from a process that then failed some other way: still report it.
    throw new PythonError(`python3 ${script} printed its answer, then failed (${res.signal ?? `exit ${res.status}`}): ${res.stderr.trim().slice(-4000)}`);
  }
  return answer;
}
