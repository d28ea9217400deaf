// One logger for every part. Lines go to stderr so that stdout stays for a command's real output
// (JSON, CSV, `stack env`). Secrets registered here never reach a log line, whatever the caller
// passes: the check sits at the single place where text leaves the process.

export type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

const secrets = new Set<string>();
let threshold: Level = (process.env.LOG_LEVEL as Level) in ORDER ? (process.env.LOG_LEVEL as Level) : 'info';
let json = process.env.LOG_FORMAT === 'json';

/** Registers a value that must never be printed (tokens, passwords). */
export function registerSecret(value: string | undefined | null): void {
  if (value && value.length >= 4) secrets.add(value);
}

export function setLogLevel(level: Level): void {
  threshold = level;
}

export function setLogFormat(format: 'text' | 'json'): void {
  json = format === 'json';
}

/** Hides the password of a connection URL (postgres://user:pw@host/db). */
export function redactUrl(url: string): string {
  return url.replace(/(\/\/[^/:@]*:)[^@/]*@/, '$1***@');
}

export function redact(text: string): string {
  let out = text;
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join('***');
  return redactUrl(out);
}

function write(level: Level, component: string, message: string, fields?: Record<string, unknown>): void {
  if (ORDER[level] < ORDER[threshold]) return;
  let line: string;
  if (json) {
    line = JSON.stringify({ time: new Date().toISOString(), level, component, message, ...fields });
  } else {
    const extra = fields && Object.keys(fields).length > 0 ? ' ' + formatFields(fields) : '';
    line = `${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} [${component}] ${message}${extra}`;
  }
  process.stderr.write(redact(line) + '\n');
}

function formatFields(fields: Record<string, unknown>): string {
  return Object.entries(fields)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : v instanceof Error ? v.message : JSON.stringify(v)}`)
    .join(' ');
}

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export function logger(component: string): Logger {
  return {
    debug: (m, f) => write('debug', component, m, f),
    info: (m, f) => write('info', component, m, f),
    warn: (m, f) => write('warn', component, m, f),
    error: (m, f) => write('error', component, m, f),
  };
}
