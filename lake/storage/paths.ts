// Table paths come from users (CLI arguments, configuration, topic names turned into folders), so
// every one is resolved against the lake root and refused if it would land outside: `..`,
// absolute paths elsewhere, and symbolic links that point out of the root.

import { realpathSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { UserError } from '../../common/errors.js';

/** The absolute folder of a table inside the lake root; throws a UserError if it would escape. */
export function resolveTablePath(lakeRoot: string, tablePath: string): string {
  if (tablePath.includes('\0')) throw escapeError(lakeRoot, tablePath, 'it contains a NUL byte');
  const root = resolve(lakeRoot);
  const target = isAbsolute(tablePath) ? resolve(tablePath) : resolve(root, tablePath);
  if (!inside(root, target)) throw escapeError(lakeRoot, tablePath, 'it resolves outside the lake root');
  // Symbolic links: compare real paths of the deepest part that exists.
  const realRoot = realOrSelf(root);
  const realTarget = realDeepest(target);
  if (!inside(realRoot, realTarget)) throw escapeError(lakeRoot, tablePath, 'a symbolic link leads outside the lake root');
  return target;
}

function inside(root: string, target: string): boolean {
  const rel = relative(root, target);
  return rel === '' || (!rel.startsWith('..' + sep) && rel !== '..' && !isAbsolute(rel));
}

function realOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

function realDeepest(path: string): string {
  let existing = path;
  const rest: string[] = [];
  for (;;) {
    try {
      return resolve(realpathSync(existing), ...rest.reverse());
    } catch {
      const parent = dirname(existing);
      if (parent === existing) return path;
      rest.push(existing.slice(parent.length).replace(/^[\\/]/, ''));
      existing = parent;
    }
  }
}

function escapeError(lakeRoot: string, tablePath: string, why: string): UserError {
  return new UserError(`table path "${tablePath}" is not inside the lake root: ${why}`, {
    where: `lake root ${resolve(lakeRoot)}`,
    fix: 'give a path relative to the lake root (LAKE_ROOT or --root), without ".." or links that leave it',
  });
}
