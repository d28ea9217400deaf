// `npm run bench -- <name> [options]`: each benchmark lives in bench/<name>.ts and exports
// `run(args: string[]): Promise<void>`; it prints its figures as text and as one JSON line.
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const names = readdirSync(here).filter((f) => f.endsWith('.ts') && f !== 'main.ts' && !f.endsWith('.test.ts')).map((f) => f.replace(/\.ts$/, ''));
const [name, ...rest] = process.argv.slice(2);
if (!name || name === '--help' || !existsSync(join(here, `${name}.ts`))) {
  console.log(`Usage: npm run bench -- <${names.join('|') || 'name'}> [options]`);
  process.exit(name && name !== '--help' ? 2 : 0);
}
const mod = (await import(`./${name}.ts`)) as { run: (args: string[]) => Promise<void> };
await mod.run(rest);
