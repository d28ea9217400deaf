// The command-line framework: every subcommand declares its options once, and gets parsing,
// `--help`, unknown-flag errors and the common --config flag from here. Built on node:util
// parseArgs so the program needs no argument-parsing dependency.

import { parseArgs } from 'node:util';
import { UserError } from '../common/errors.js';

export interface OptionDef {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  default?: string | boolean;
  /** Placeholder shown in help, e.g. "DIR". */
  arg?: string;
  help: string;
}

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  positionals: string[];
}

export interface Command {
  name: string;
  summary: string;
  /** Extra lines after the usage line: what it does, examples. */
  description?: string;
  usage?: string;
  options?: Record<string, OptionDef>;
  /** Subcommands (`stack up`), or a handler, not both. */
  subcommands?: Command[];
  run?: (args: ParsedArgs) => Promise<number | void>;
}

const COMMON: Record<string, OptionDef> = {
  config: { type: 'string', arg: 'FILE', help: 'configuration file (default: $LAKEHOUSE_CONFIG or ./lakehouse.config.json)' },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
};

export function helpText(cmd: Command, path: string[]): string {
  const full = ['lakehouse', ...path].join(' ');
  const lines: string[] = [];
  if (cmd.subcommands) {
    lines.push(`Usage: ${full} <command> [options]`, '', cmd.summary);
    if (cmd.description) lines.push('', cmd.description);
    lines.push('', 'Commands:');
    const width = Math.max(...cmd.subcommands.map((c) => c.name.length)) + 2;
    for (const sub of cmd.subcommands) lines.push(`  ${sub.name.padEnd(width)}${sub.summary}`);
    lines.push('', `Run '${full} <command> --help' for a command's options.`);
    return lines.join('\n');
  }
  lines.push(`Usage: ${full}${cmd.usage ? ' ' + cmd.usage : ' [options]'}`, '', cmd.summary);
  if (cmd.description) lines.push('', cmd.description);
  const opts = { ...(cmd.options ?? {}), ...COMMON };
  const shown = Object.entries(opts).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ` ${o.arg ?? 'VALUE'}` : ''}`;
    const def = o.default !== undefined && o.default !== false ? ` (default: ${o.default})` : '';
    return [flag, o.help + def] as const;
  });
  const width = Math.max(...shown.map(([f]) => f.length)) + 2;
  lines.push('', 'Options:');
  for (const [flag, text] of shown) lines.push(`  ${flag.padEnd(width)}${text}`);
  return lines.join('\n');
}

/** Runs a command tree on argv; returns the exit code. */
export async function dispatch(root: Command, argv: string[], path: string[] = []): Promise<number> {
  if (root.subcommands) {
    const [first, ...rest] = argv;
    if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
      process.stdout.write(helpText(root, path) + '\n');
      return first === undefined ? 2 : 0;
    }
    const sub = root.subcommands.find((c) => c.name === first);
    if (!sub) {
      const near = closest(first, root.subcommands.map((c) => c.name));
      throw new UserError(`unknown command "${[...path, first].join(' ')}"${near ? `; did you mean "${[...path, near].join(' ')}"?` : ''}`, {
        fix: `run 'lakehouse ${[...path, '--help'].join(' ')}' to see the commands`,
      });
    }
    return dispatch(sub, rest, [...path, sub.name]);
  }
  const options = { ...(root.options ?? {}), ...COMMON };
  let parsed: ParsedArgs;
  try {
    parsed = parseArgs({
      args: argv,
      options: Object.fromEntries(
        Object.entries(options).map(([k, o]) => [
          k,
          { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}), ...(o.default !== undefined ? { default: o.default } : {}) },
        ]),
      ) as never,
      allowPositionals: true,
      strict: true,
    }) as ParsedArgs;
  } catch (e) {
    throw new UserError(`${(e as Error).message.replace(/\. To specify.*$/s, '')}`, {
      where: `lakehouse ${path.join(' ')}`,
      fix: `run 'lakehouse ${path.join(' ')} --help' to see its options`,
    });
  }
  if (parsed.values.help) {
    process.stdout.write(helpText(root, path) + '\n');
    return 0;
  }
  if (parsed.values.config) process.env.LAKEHOUSE_CONFIG = String(parsed.values.config);
  const code = await root.run!(parsed);
  return typeof code === 'number' ? code : 0;
}

/** The name nearest to a mistyped one (a typo or two, or a prefix), if any is near enough. */
export function closest(typed: string, names: string[]): string | undefined {
  let best: { name: string; d: number } | undefined;
  for (const name of names) {
    const d = name.startsWith(typed) && typed.length >= 2 ? 1 : editDistance(typed.toLowerCase(), name);
    if (d <= Math.max(1, Math.floor(name.length / 3)) && (!best || d < best.d)) best = { name, d };
  }
  return best?.name;
}

/** Edits (insert, delete, replace, swap two neighbours) from a to b. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** Reads an integer flag with a clear error. */
export function intFlag(args: ParsedArgs, name: string, fallback: number): number {
  const raw = args.values[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new UserError(`--${name} must be a non-negative integer, got "${raw}"`);
  return n;
}
