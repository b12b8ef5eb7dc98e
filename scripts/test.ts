#!/usr/bin/env tsx
// Runs every tests/**/*.test.ts file in its own process against its own database, copied from
// one migrated template built here and dropped at the end. Files run TEST_CONCURRENCY (2) at a
// time; *.serial.test.ts files (they stop a shared service, or need the machine to themselves) run
// alone, after the others.
//   npm test                   # everything (bootstrap, typecheck, SQL lint, tests)
//   tsx scripts/test.ts ledger # only files whose path contains "ledger"
import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { dropDatabase } from '../src/db.ts';
import { ROOT } from '../src/paths.ts';
import { buildTemplate } from '../tests/helpers/db.ts';

const filters = process.argv.slice(2);
const concurrency = Number(process.env.TEST_CONCURRENCY ?? 2);
const files = (await readdir(path.join(ROOT, 'tests'), { recursive: true }))
  .filter((f) => f.endsWith('.test.ts') && (!filters.length || filters.some((x) => f.includes(x))))
  .sort();
if (!files.length) throw new Error(`no test file matches ${filters.join(', ')}`);

const started = performance.now();
const template = await buildTemplate();
console.log(`template ${template} migrated in ${((performance.now() - started) / 1000).toFixed(1)} s; ${files.length} files`);

interface Outcome { file: string; ok: boolean; seconds: number; output: string }
const outcomes: Outcome[] = [];
const run = (file: string) => new Promise<Outcome>((resolve) => {
  const t0 = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', '--import', './tests/helpers/uvu-hooks.ts', path.join('tests', file)], {
    cwd: ROOT,
    env: { ...process.env, PGBANK_TEST_TEMPLATE: template, FORCE_COLOR: '0' },
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  child.on('close', (code, signal) => {
    const missed = code === 0 ? unrun(output) : '';
    resolve({ file, ok: code === 0 && !missed, seconds: (performance.now() - t0) / 1000,
      output: output + (signal ? `\nkilled by ${signal}` : '') + (missed ? `\n${missed}` : '') });
  });
});

/**
 * Why a file's tests did not all pass although it exited 0, or ''. uvu 0.5 swallows an error thrown
 * by a test.before or test.after hook (its runner returns from a finally block): the file prints
 * "(0 / N)", no error, and exits 0. Every suite's summary must say Passed = Total.
 */
function unrun(output: string): string {
  const totals = [...output.matchAll(/Total:\s+(\d+)\s+Passed:\s+(\d+)/g)];
  if (!totals.length) return 'no uvu summary (Total/Passed) in the output';
  const short = totals.filter(([, total, passed]) => Number(passed) < Number(total));
  return short.length ? `only ${short.map(([, total, passed]) => `${passed} of ${total}`).join(', ')} tests passed: a test.before/test.after hook failed (its error above)` : '';
}

const report = (o: Outcome) => {
  outcomes.push(o);
  console.log(`${o.ok ? 'PASS' : 'FAIL'} ${o.file} (${o.seconds.toFixed(1)} s)`);
  if (!o.ok || process.env.TEST_VERBOSE) console.log(o.output.replace(/^/gm, '    '));
};
try {
  const parallel = files.filter((f) => !f.endsWith('.serial.test.ts'));
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(concurrency, parallel.length) }, async () => {
    while (next < parallel.length) report(await run(parallel[next++]!));
  }));
  for (const file of files.filter((f) => f.endsWith('.serial.test.ts'))) report(await run(file));
} finally {
  await dropDatabase(template);
}
const failed = outcomes.filter((o) => !o.ok);
console.log(`\n${outcomes.length - failed.length}/${outcomes.length} files passed in ${((performance.now() - started) / 1000).toFixed(1)} s`);
if (failed.length) {
  console.log(`failed: ${failed.map((o) => o.file).join(', ')}`);
  process.exit(1);
}
