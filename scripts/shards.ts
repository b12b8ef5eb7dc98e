#!/usr/bin/env tsx
// A sharded pgbank beside the default database: a PL/Proxy router and N shards (docs/scaling.md).
//   npm run shards -- up [--shards 4]   # create or finish it, a few accounts, start the delivery
//                                        # worker; last line: DATABASE_URL=postgres://…/pgbank_router
//   npm run shards -- deliver            # the delivery worker in the foreground (up starts one)
//   npm run shards -- down               # stop the worker, drop the router and its shards
// Options: --shards N (a power of two, default 4), --router NAME (default pgbank_router; shards are
// NAME_shard_0 … NAME_shard_N-1). The server is the default one (PGHOST, PGPORT, PGUSER, …).
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { dbSettings } from '../src/config.ts';
import { ROOT } from '../src/paths.ts';
import { main, wholeNumber } from './lib/cli.ts';
import { Deliverer } from './shards/deliver.ts';
import { down, open, placeUrl, routerShards, up, type Place } from './shards/formation.ts';

const DEMO = [
  ['Alice', 'a11ce000-0000-4000-8000-000000000001'], ['Bob', 'b0b00000-0000-4000-8000-000000000002'],
  ['Carol', 'ca201000-0000-4000-8000-000000000003'], ['Dave', 'da7e0000-0000-4000-8000-000000000004'],
  ['Erin', 'e2140000-0000-4000-8000-000000000005'], ['Frank', 'f2a4c000-0000-4000-8000-000000000006'],
  ['Grace', '62ace000-0000-4000-8000-000000000007'], ['Heidi', '4e1d1000-0000-4000-8000-000000000008'],
] as const;

await main('shards', async () => {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { shards: { type: 'string', default: '4' }, router: { type: 'string', default: 'pgbank_router' } },
  });
  const s = dbSettings();
  const router: Place = { host: s.host, port: s.port, user: s.user, password: s.password, database: values.router };
  const pidFile = path.join(os.tmpdir(), `pgbank-shards-${router.port}-${router.database}.pid`);
  const command = positionals[0];
  if (command === 'up') {
    const n = wholeNumber('shards', values.shards);
    const existing = await routerShards(router);
    if (existing.length && existing.length !== n) {
      throw new Error(`${router.database} already routes to ${existing.length} shards, not ${n}: adding shards moves accounts (docs/scaling.md), or run down first`);
    }
    const shards = Array.from({ length: n }, (_, i): Place => ({ ...router, database: `${values.router}_shard_${i}` }));
    await up({ router, shards }, { cron: true, log: (l) => console.log(`[shards] ${l}`) });
    await demo(router);
    startWorker(router, pidFile);
    console.log(`DATABASE_URL=${placeUrl(router)}`);
  } else if (command === 'deliver') {
    const shards = await routerShards(router);
    if (!shards.length) throw new Error(`${router.database} is no router (npm run shards -- up first)`);
    const d = new Deliverer(shards, {
      log: (l) => console.log(`[deliver] ${new Date().toISOString()} ${l}`),
      // fault injection for tests/shards/fault.serial.test.ts: a pause between credit and settle
      settleDelayMs: Number(process.env.PGBANK_DELIVER_SETTLE_DELAY_MS ?? 0),
    });
    d.start();
    console.log(`[deliver] delivering between ${shards.length} shards of ${router.database}`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await d.stop();
  } else if (command === 'down') {
    await stopWorker(pidFile);
    // The shards the router names, and any of this name a failed up left behind before the router knew them.
    await down(router, await leftShards(router), (l) => console.log(`[shards] ${l}`));
  } else {
    throw new Error(`unknown command ${JSON.stringify(command ?? '')}: up, deliver or down`);
  }
});

/** A few accounts with money, through the router (idempotent: fixed ids and request ids). */
async function demo(router: Place): Promise<void> {
  const sql = open(router, 1);
  try {
    for (const [name, id] of DEMO) {
      await sql`select pgbank.create_account(${name}, 0, ${id})`.catch((err: { code?: string }) => {
        if (err.code !== '23505') throw err;
      });
      await sql`select pgbank.top_up('shards-demo-opening', ${id}, 1000)`;
    }
    const [t] = await sql<{ status: string }[]>`select status from pgbank.transfer('shards-demo-1', ${DEMO[0][1]}, ${DEMO[1][1]}, 25)`;
    console.log(`[shards] ${DEMO.length} accounts with 1,000.00 each; Alice -> Bob 25.00: ${t!.status}`);
  } finally {
    await sql.end();
  }
}

/** Databases <router>_shard_<n> on the router's server (what up makes there), whether the router names them or not. */
async function leftShards(router: Place): Promise<Place[]> {
  const sql = open({ ...router, database: 'postgres' }, 1);
  try {
    const prefix = `${router.database}_shard_`;
    const rows = await sql<{ datname: string }[]>`select datname from pg_database where starts_with(datname, ${prefix})`;
    return rows.filter((r) => /^\d+$/.test(r.datname.slice(prefix.length))).map((r) => ({ ...router, database: r.datname }));
  } finally {
    await sql.end();
  }
}

function startWorker(router: Place, pidFile: string): void {
  if (existsSync(pidFile) && alive(Number(readFileSync(pidFile, 'utf8')))) {
    console.log(`[shards] delivery worker already running (pid ${readFileSync(pidFile, 'utf8').trim()})`);
    return;
  }
  const logFile = pidFile.replace(/\.pid$/, '.log');
  const out = openSync(logFile, 'a');
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', 'shards.ts'), 'deliver', '--router', router.database], {
    cwd: ROOT, detached: true, stdio: ['ignore', out, out], env: process.env,
  });
  closeSync(out);
  child.unref();
  writeFileSync(pidFile, String(child.pid));
  console.log(`[shards] delivery worker started (pid ${child.pid}, log ${logFile})`);
}

/** Stop the worker up started (SIGTERM; it finishes its round), waiting until it is gone, and remove its pid and log files. */
async function stopWorker(pidFile: string): Promise<void> {
  if (!existsSync(pidFile)) return rmSync(pidFile.replace(/\.pid$/, '.log'), { force: true });
  const pid = Number(readFileSync(pidFile, 'utf8'));
  if (alive(pid)) {
    process.kill(pid, 'SIGTERM');
    for (let waited = 0; alive(pid); waited += 100) {
      if (waited >= 15_000) throw new Error(`delivery worker ${pid} did not stop within 15 s of SIGTERM (kill it, then run down again)`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    console.log(`[shards] delivery worker ${pid} stopped`);
  }
  rmSync(pidFile, { force: true });
  rmSync(pidFile.replace(/\.pid$/, '.log'), { force: true });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
