import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project's folder (where package.json is), whatever the working directory. */
export function projectRoot(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..');
}
