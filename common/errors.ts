// Errors a user can act on. Every part throws these for bad input, bad configuration or a missing
// service, so the command line prints one clear paragraph (what is wrong, where, what to do)
// instead of a stack trace.

export class UserError extends Error {
  readonly fix: string | undefined;
  readonly where: string | undefined;
  constructor(message: string, opts: { fix?: string; where?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'UserError';
    this.fix = opts.fix;
    this.where = opts.where;
  }

  describe(): string {
    const lines = [`error: ${this.message}`];
    if (this.where) lines.push(`  where: ${this.where}`);
    if (this.fix) lines.push(`  fix:   ${this.fix}`);
    return lines.join('\n');
  }
}

export function isUserError(e: unknown): e is UserError {
  return e instanceof UserError;
}

export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
