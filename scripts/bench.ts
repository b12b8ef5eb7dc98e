#!/usr/bin/env tsx
// npm run bench [-- name ...]: runs every scripts/bench/<name>.ts (or the named ones) and prints
// their markdown tables, each with a baseline measured in the same run and the ratio to it.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import os from 'node:os';
import { ROOT } from '../src/paths.ts';
import type { Bench } from './bench/lib.ts';

const only = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const dir = path.join(ROOT, 'scripts', 'bench');
const names = (await readdir(dir))
  .filter((f) => f.endsWith('.ts') && f !== 'lib.ts')
  .map((f) => f.replace(/\.ts$/, ''))
  .filter((n) => !only.length || only.includes(n))
  .sort();
if (!names.length) throw new Error(`no benchmark named ${only.join(', ')} (have: ${(await readdir(dir)).join(', ')})`);

console.log(`# pgbank benchmarks, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`);
console.log(`${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}\n`);
for (const name of names) {
  const mod = (await import(path.join(dir, `${name}.ts`))) as { default: Bench };
  console.log(`## ${name}\n`);
  console.log(await mod.default());
  console.log();
}
