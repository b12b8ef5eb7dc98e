#!/usr/bin/env node
// Entry of `npx pgbank-sync`: registers tsx so Node can load the TypeScript CLI in src/sync/cli.ts.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/sync/cli.ts');
process.exitCode = await main(process.argv.slice(2));
