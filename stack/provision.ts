// What the local stack and the tests need from the machine, and installing it when it is missing,
// so that the README's two commands work on a fresh Debian machine by themselves. Installing is
// done only where it can be done without a question (root, or sudo without a password) and can be
// turned off with LAKEHOUSE_NO_INSTALL=1; otherwise the error lists every missing piece and the
// one command that installs them all.

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../common/errors.js';
import { projectRoot } from './paths.js';
import { which } from './process.js';

export interface Requirement {
  /** What is looked for, as a user would name it. */
  name: string;
  /** What needs it. */
  why: string;
  present(): boolean;
  /** The Debian packages that provide it. */
  debian: string[];
}

function pgServerPresent(): boolean {
  if (process.env.PG_BIN && existsSync(join(process.env.PG_BIN, 'initdb'))) return true;
  const base = '/usr/lib/postgresql';
  if (existsSync(base) && readdirSync(base).some((v) => existsSync(join(base, v, 'bin', 'initdb')))) return true;
  return which('initdb') !== undefined;
}

/** The local stack: PostgreSQL from Debian, Apache Kafka from Maven Central run by a JRE. */
export const STACK_NEEDS: Requirement[] = [
  { name: 'the PostgreSQL server (initdb, pg_ctl)', why: "the stack's database", present: pgServerPresent, debian: ['postgresql'] },
  { name: 'java', why: 'runs the local Kafka broker', present: () => which('java') !== undefined, debian: ['openjdk-17-jre-headless'] },
  { name: 'mvn', why: 'fetches the Kafka broker from Maven Central', present: () => which('mvn') !== undefined, debian: ['maven'] },
];

function pythonModulePresent(module: string): boolean {
  if (!which('python3')) return false;
  return spawnSync('python3', ['-c', `import ${module}`], { stdio: 'ignore' }).status === 0;
}

/** What `npm test` needs beyond the stack. */
export const TEST_NEEDS: Requirement[] = [
  { name: 'python3 with pip', why: 'runs delta-rs (pip deltalake), the Delta conformance oracle', present: () => pythonModulePresent('pip'), debian: ['python3', 'python3-pip'] },
  { name: 'promtool', why: "checks monitoring/'s Prometheus rules and runs their unit tests", present: () => which('promtool') !== undefined, debian: ['prometheus'] },
  { name: 'prometheus', why: 'scrapes the running pipeline in the monitoring test', present: () => which('prometheus') !== undefined, debian: ['prometheus'] },
  { name: 'chromium', why: 'renders the quality report in its test', present: () => which('chromium') !== undefined, debian: ['chromium'] },
  { name: 'javac', why: "compiles the JsonConverter check of the event conformance test (cdc/json-converter.test.ts) once", present: () => which('javac') !== undefined, debian: ['openjdk-17-jdk-headless'] },
];

export type Say = (line: string) => void;

/** How this process can install Debian packages without asking anyone, if it can. */
function installer(): string[] | undefined {
  if (process.env.LAKEHOUSE_NO_INSTALL === '1' || !which('apt-get')) return undefined;
  if (process.getuid?.() === 0) return [];
  if (which('sudo') && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0) return ['sudo', '-n'];
  return undefined;
}

function aptGet(prefix: string[], args: string[], say: Say): boolean {
  const [cmd, ...rest] = [...prefix, 'apt-get', ...args];
  say(`running: ${[cmd, ...rest].join(' ')}`);
  const res = spawnSync(cmd!, rest, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return res.status === 0;
}

/**
 * Makes sure every requirement is met: installs the missing Debian packages when this process
 * can, or throws one error naming everything missing and the command that installs it.
 */
export function provision(needs: Requirement[], say: Say): void {
  const missing = needs.filter((n) => !n.present());
  if (missing.length === 0) return;
  const packages = [...new Set(missing.flatMap((n) => n.debian))];
  const list = missing.map((n) => `${n.name} (${n.why})`).join('; ');
  const sudo = process.getuid?.() === 0 ? '' : 'sudo ';
  const command = `${sudo}apt-get install ${packages.join(' ')}`;
  const prefix = installer();
  if (prefix === undefined) {
    throw new UserError(`missing: ${list}`, {
      fix: `${command}${process.env.LAKEHOUSE_NO_INSTALL === '1' ? ' (LAKEHOUSE_NO_INSTALL=1 keeps lakehouse from running it)' : ''}`,
    });
  }
  say(`installing ${packages.join(' ')} from Debian's packages for ${missing.map((n) => n.name).join(', ')} (LAKEHOUSE_NO_INSTALL=1 turns this off)`);
  const flags = ['-y', '-q', '--no-install-recommends'];
  // A fresh machine's package lists may be empty or stale: update once, then install.
  if (!aptGet(prefix, ['install', ...flags, ...packages], say)) {
    if (!aptGet(prefix, ['update', '-q'], say) || !aptGet(prefix, ['install', ...flags, ...packages], say)) {
      throw new UserError(`installing ${packages.join(' ')} failed (apt-get's output is above)`, { fix: `run ${command} yourself and try again` });
    }
  }
  const still = needs.filter((n) => !n.present());
  if (still.length > 0) {
    throw new UserError(`still missing after installing ${packages.join(' ')}: ${still.map((n) => n.name).join(', ')}`, {
      fix: 'put the programs on the PATH (or set PG_BIN to the folder holding initdb and pg_ctl)',
    });
  }
}

/**
 * The Python packages of requirements-test.txt (delta-rs's `deltalake`, `pyarrow`): installed
 * with pip when an import fails or a pinned version differs.
 */
export function provisionPython(say: Say): void {
  const file = join(projectRoot(), 'requirements-test.txt');
  const pins = readPins(file);
  const check = [
    'import importlib.metadata as m, sys',
    `pins = ${JSON.stringify(pins)}`,
    'def version(name):',
    '    try:',
    '        return m.version(name)',
    '    except m.PackageNotFoundError:',
    '        return None',
    'sys.exit(0 if all(version(n) == v for n, v in pins.items()) else 1)',
  ].join('\n');
  const ok = which('python3') !== undefined && spawnSync('python3', ['-c', check], { stdio: 'ignore' }).status === 0;
  if (ok) return;
  if (process.env.LAKEHOUSE_NO_INSTALL === '1') {
    throw new UserError(`the Python packages of requirements-test.txt (${Object.keys(pins).join(', ')}) are missing or at other versions`, {
      fix: `python3 -m pip install -r ${file}`,
    });
  }
  say(`installing ${Object.entries(pins).map(([n, v]) => `${n}==${v}`).join(' ')} with pip (the Delta conformance oracle)`);
  const pip = (extra: string[]) => spawnSync('python3', ['-m', 'pip', 'install', '-q', '--disable-pip-version-check', ...extra, '-r', file], { stdio: ['ignore', 'inherit', 'inherit'] }).status === 0;
  // Debian's own Python refuses pip installs outside a virtual environment (PEP 668) unless told.
  if (!pip([]) && !pip(['--break-system-packages'])) {
    throw new UserError('pip could not install the packages of requirements-test.txt (its output is above)', { fix: `python3 -m pip install -r ${file}` });
  }
}

function readPins(file: string): Record<string, string> {
  const text = readFileSync(file, 'utf8');
  const pins: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Za-z0-9_.-]+)==([^\s#]+)/.exec(line);
    if (m) pins[m[1]!] = m[2]!;
  }
  return pins;
}
