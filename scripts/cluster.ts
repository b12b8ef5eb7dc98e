#!/usr/bin/env tsx
// A local high-availability formation beside the default server: pg_auto_failover (monitor,
// primary, synchronous standby) and a pgBackRest repository. See docs/operations.md.
//   npm run cluster -- up       # create or finish it; last line: DATABASE_URL=postgres://…
//   npm run cluster -- status   # node states (pg_autoctl show state) and backups
//   npm run cluster -- down     # stop every process and remove it
// Options: --dir DIR (default /var/lib/postgresql/pgbank-ha), --transactions N (seed, default 20000).
import { parseArgs } from 'node:util';
import { DEFAULT_DIR } from './cluster/formation.ts';
import { down, status, up } from './cluster/lifecycle.ts';
import { main, wholeNumber } from './lib/cli.ts';

await main('cluster', async () => {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { dir: { type: 'string', default: process.env.PGBANK_HA_DIR ?? DEFAULT_DIR }, transactions: { type: 'string', default: '20000' } },
  });
  const command = positionals[0];
  if (process.getuid?.() !== 0) throw new Error('run as root: pg_autoctl and pgBackRest run as the postgres OS user, started from here');
  if (command === 'up') await up({ dir: values.dir, seedTransactions: wholeNumber('transactions', values.transactions) });
  else if (command === 'status') console.log(await status(values.dir));
  else if (command === 'down') await down(values.dir);
  else throw new Error(`unknown command ${JSON.stringify(command ?? '')}: up, status or down`);
});
