// Small process helpers the local stack and the test servers need: find a program, run it, wait
// for a port, run a private server on a free port.

import { spawnSync, type ChildProcess, type SpawnSyncOptions } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { UserError } from '../common/errors.js';

export function which(program: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const p = `${dir}/${program}`;
    if (dir && existsSync(p)) return p;
  }
  return undefined;
}

export function run(cmd: string, args: string[], opts: SpawnSyncOptions & { what: string; fix?: string }): string {
  const res = spawnSync(cmd, args, { encoding: 'utf8', ...opts });
  if (res.error) throw new UserError(`${opts.what} could not start: ${res.error.message}`, { fix: opts.fix });
  if (res.status !== 0) {
    const out = `${res.stdout ?? ''}${res.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
    throw new UserError(`${opts.what} failed (exit ${res.status}):\n${out}`, { fix: opts.fix });
  }
  return String(res.stdout ?? '');
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function readPid(file: string): number | undefined {
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

export function portOpen(port: number, host = '127.0.0.1', timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number, hint?: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new UserError(`${what} did not become ready within ${Math.round(timeoutMs / 1000)} s`, { fix: hint });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

/**
 * A private server for a test or a benchmark: started by `start(port)` on a free loopback port
 * (tried again on another port if that one was taken in between), its output in `logFile`.
 * Resolves once the port answers; `stop()` ends it (SIGTERM, then SIGKILL after 10 s).
 */
export async function serveOnFreePort(
  what: string,
  logFile: string,
  start: (port: number, out: number) => ChildProcess,
): Promise<{ port: number; stop(): Promise<void> }> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const out = openSync(logFile, 'a');
    const child = start(port, out);
    closeSync(out);
    try {
      await waitFor(
        what,
        async () => {
          if (child.exitCode !== null) throw new UserError(`${what} exited at start (${child.exitCode})`, { fix: readFileSync(logFile, 'utf8').slice(-2000) });
          return portOpen(port);
        },
        60_000,
        `see ${logFile}`,
      );
    } catch (e) {
      child.kill('SIGKILL');
      if (attempt >= 3) throw e;
      continue;
    }
    return {
      port,
      stop: async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      },
    };
  }
}

/**
 * Runs `fn` holding an exclusive lock file: two `stack up`s at once (parallel test runs, a demo
 * beside a test run) would otherwise both start a broker on the same port, and one fails.
 * A lock left by a dead process is taken over.
 */
export async function withLockFile<T>(file: string, what: string, fn: () => Promise<T>, timeoutMs = 300_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = readPid(file);
      if (holder === undefined || !isAlive(holder)) {
        rmSync(file, { force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new UserError(`${what}: process ${holder} has held ${file} for over ${Math.round(timeoutMs / 1000)} s`, {
          fix: `wait for it to finish, or stop it (kill ${holder})`,
        });
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(file, { force: true });
  }
}
