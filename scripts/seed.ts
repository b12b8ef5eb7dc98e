#!/usr/bin/env tsx
// Seed fake users and transactions up to the requested counts (never duplicates on a re-run).
//   npm run seed                                   # 2,000 users, 3,000,000 transactions
//   npm run seed -- --users 500 --transactions 100000
//   SEED_USERS=2000 SEED_TRANSACTIONS=30000000 npm run seed
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { connect } from '../src/db.ts';
import { copyClosedDays, seed } from '../src/seed.ts';
import { main, wholeNumber } from './lib/cli.ts';
import { printSample } from './lib/sample.ts';

await main('seed', async () => {
  const { values } = parseArgs({
    options: {
      users: { type: 'string', default: process.env.SEED_USERS ?? '2000' },
      transactions: { type: 'string', default: process.env.SEED_TRANSACTIONS ?? '3000000' },
      chunk: { type: 'string', default: '50000' },
      parallel: { type: 'string', default: '2' },
    },
  });
  const options = {
    users: wholeNumber('users', values.users),
    transactions: wholeNumber('transactions', values.transactions),
    chunk: wholeNumber('chunk', values.chunk),
    parallel: wholeNumber('parallel', values.parallel),
  };
  const sql = connect({ max: options.parallel + 2, name: 'pgbank-seed' });
  const bar = new cliProgress.SingleBar({
    format: 'transactions {bar} {percentage}% | {value}/{total} | {rate} rows/s | ETA {eta_formatted}',
    hideCursor: true,
  }, cliProgress.Presets.shades_classic);
  let barStarted = 0;
  try {
    const result = await seed(sql, {
      ...options,
      onProgress: (added, toAdd) => {
        if (!barStarted) { barStarted = performance.now(); bar.start(toAdd, 0, { rate: '-' }); }
        const rate = Math.round(added / ((performance.now() - barStarted) / 1000));
        bar.update(added, { rate: rate.toLocaleString('en-US') });
      },
    });
    if (barStarted) bar.stop();
    const rate = result.transactionsAdded ? Math.round(result.transactionsAdded / result.seconds).toLocaleString('en-US') : '-';
    console.log(`seed: +${result.usersAdded} users (${result.users} in all), +${result.transactionsAdded} transactions ` +
      `(${result.transactions} in all) in ${result.seconds.toFixed(1)} s, ${rate} rows/s`);
    const copy = await copyClosedDays(sql);
    if (copy.days) console.log(`history copy: ${copy.days} days copied${copy.clustered ? ' and clustered by account' : ''} in ${copy.seconds.toFixed(1)} s`);
    await printSample(sql);
  } finally {
    bar.stop();
    await sql.end();
  }
});
