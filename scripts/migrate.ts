#!/usr/bin/env tsx
// Migrate a pgbank database: create it if missing, run migrations, apply functions, register pg_cron jobs.
//   npm run migrate                      # up, everything
//   npm run migrate -- down --count 1   # undo the last migration
import { parseArgs } from 'node:util';
import { dbSettings } from '../src/config.ts';
import { scheduleJobs } from '../src/cron.ts';
import { createDatabase } from '../src/db.ts';
import { migrate } from '../src/migrate.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { count: { type: 'string' }, 'no-cron': { type: 'boolean', default: false } },
});
const direction = positionals[0] ?? 'up';
if (direction !== 'up' && direction !== 'down') throw new Error(`unknown direction ${JSON.stringify(direction)} (up or down)`);
const count = values.count === undefined ? undefined : values.count === 'all' ? Infinity : Number(values.count);

const s = dbSettings();
if (direction === 'up' && (await createDatabase(s.database, s))) console.log(`created database ${s.database}`);
const ran = await migrate(s, { direction, count, log: () => {} });
console.log(ran.length ? `${direction}: ${ran.join(', ')}` : 'migrations: nothing to run');
if (direction === 'up') {
  console.log('functions: applied');
  if (!values['no-cron']) console.log(`pg_cron: ${(await scheduleJobs(s)).join(', ')}`);
}
