#!/usr/bin/env node
// The program runs its TypeScript through tsx so that a checkout needs no build step.
import { register } from 'tsx/esm/api';
register();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
