// The high-availability formation (scripts/cluster): transfers/s at c=16 with synchronous
// replication against the same primary committing locally and against the default single server;
// failover time (SIGKILL of the primary's node to the first answered transfer sent after it,
// median of 3); full backup MB/s and point-in-time restore time. Runs in a formation of its own.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { $ } from 'zx';
import { dbSettings } from '../../src/config.ts';
import { connect, createDatabase, dropDatabase } from '../../src/db.ts';
import { migrate } from '../../src/migrate.ts';
import { seed } from '../../src/seed.ts';
import { restoreToTime, takeBackup } from '../cluster/backup.ts';
import { DATABASE, databaseUrl, type NodeName } from '../cluster/formation.ts';
import { down, killNode, pgbackrest, primaryNode, restartNode, settled, up, waitForStates } from '../cluster/lifecycle.ts';
import { fundedAccounts, transferLoad } from '../cluster/load.ts';
import { percentile, ratio, table } from './lib.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const KILLS = Number(process.env.BENCH_HA_KILLS ?? 3);
const TRANSACTIONS = Number(process.env.BENCH_HA_TRANSACTIONS ?? 300_000);
const CLIENTS = 16;
const progress = (line: string) => console.error(`[bench ha] ${line}`);
const BASELINE_DB = 'pgbank_bench_ha';
const account = (n: string) => `('00000000-0000-4000-8000-' || lpad((${n})::text, 12, '0'))::uuid`;
const SCRIPT = `
\\set a random(1, 2000)
\\set b 1 + (:a + random(0, 1998)) % 2000
\\set c random(1, 5000)
\\set r random(1, 1000000000000)
select pgbank.transfer(:run || '-' || :client_id || '-' || :r, ${account(':a')}, ${account(':b')}, (:c::numeric / 100)::numeric(12, 2));
`;

async function prepare(settings: { host: string; port: number; database: string; user: string }): Promise<void> {
  const sql = connect({ ...settings, max: 1, name: 'pgbank-bench-ha' });
  try {
    await sql`insert into pgbank.users (id, name) select ${sql.unsafe(account('g'))}, 'bench ' || g from generate_series(1, 2000) g on conflict do nothing`;
    await sql`select pgbank_private.open_accounts(1000000)`;
    await sql`vacuum analyze pgbank.users`;
  } finally {
    await sql.end();
  }
}

async function pgbench(host: string, port: number, db: string, file: string, pgOptions = ''): Promise<number> {
  const env = { ...process.env, PGOPTIONS: pgOptions };
  const out = await $({ quiet: true, env })`pgbench -h ${host} -p ${port} -U postgres -n -M prepared -c ${CLIENTS} -j 4 -T ${SECONDS} -f ${file} -D run=${'r' + Date.now()} ${db}`;
  return Number(/tps = ([\d.]+)/.exec(out.stdout)?.[1] ?? NaN);
}

export default async function benchHa(): Promise<string> {
  const dir = mkdtempSync(path.join('/tmp', 'pgbank-ha-bench-'));
  const file = path.join(dir, 'transfer.sql');
  writeFileSync(file, SCRIPT);
  const single = dbSettings({ database: BASELINE_DB });
  try {
    const t0 = performance.now();
    const state = await up({ dir, log: () => {}, seedTransactions: 0 });
    const upSeconds = (performance.now() - t0) / 1000;
    const primary = (await primaryNode(state))!;
    const p = { host: '127.0.0.1', port: state.ports[primary], database: DATABASE, user: 'postgres' };
    await dropDatabase(BASELINE_DB, single);
    await createDatabase(BASELINE_DB, single);
    await migrate(single);
    await prepare(p);
    await prepare(single);

    // Throughput: the three take turns so a slow stretch of the machine falls on all of them.
    const sum = { sync: 0, local: 0, single: 0 };
    for (let r = 0; r < ROUNDS; r++) {
      sum.sync += await pgbench(p.host, p.port, DATABASE, file);
      sum.local += await pgbench(p.host, p.port, DATABASE, file, '-c synchronous_commit=local');
      sum.single += await pgbench(single.host, single.port, BASELINE_DB, file);
    }
    const tps = { sync: sum.sync / ROUNDS, local: sum.local / ROUNDS, single: sum.single / ROUNDS };
    progress(`formation up in ${upSeconds.toFixed(0)} s; transfers/s c=${CLIENTS}: ${JSON.stringify(tps)}`);

    // Failover: 8 clients through the URL, the primary's node SIGKILLed, time to the first answer
    // to a call sent after the kill; the node rejoins before the next kill.
    const sql = connect({ ...dbSettings({}, { DATABASE_URL: databaseUrl(state) }), max: 8, name: 'pgbank-bench-ha' });
    const failovers: number[] = [];
    const rejoins: number[] = [];
    try {
      const accounts = await fundedAccounts(sql, 16, '1000.00');
      for (let k = 0; k < KILLS; k++) {
        const victim = (await primaryNode(state))! as NodeName;
        const load = transferLoad(sql, accounts, 8, `bench-fo${k}-${Date.now()}`);
        try {
          while (load.acks.length < 100) await new Promise((res) => setTimeout(res, 50));
          const killed = performance.now();
          await killNode(state, victim);
          failovers.push((await load.firstAckAfter(performance.now(), 60_000)) - killed);
        } finally {
          await load.stop();
        }
        const r0 = performance.now();
        restartNode(state, victim);
        await waitForStates(state, settled, 180_000, `${victim} to rejoin`);
        rejoins.push(performance.now() - r0);
        progress(`kill ${k + 1}: ${victim} lost, first answer after ${(failovers.at(-1)! / 1000).toFixed(1)} s, rejoined in ${(rejoins.at(-1)! / 1000).toFixed(1)} s`);
      }
    } finally {
      await sql.end();
    }

    // Backup and restore of the primary's databases, seeded to TRANSACTIONS rows of history.
    const primaryNow = (await primaryNode(state))!;
    const seedSql = connect({ ...p, port: state.ports[primaryNow], max: 4, name: 'pgbank-bench-ha-seed' });
    try {
      await seed(seedSql, { users: 2000, transactions: TRANSACTIONS });
    } finally {
      await seedSql.end();
    }
    progress(`seeded to ${TRANSACTIONS} transactions`);
    const full = takeBackup(state, 'full');
    progress(`full backup: ${full.seconds.toFixed(1)} s`);
    // Recovery stops at the first commit after the target: there must be one, archived.
    const target = new Date();
    await new Promise((res) => setTimeout(res, 100));
    const last = connect({ ...p, port: state.ports[primaryNow], max: 1, name: 'pgbank-bench-ha' });
    try {
      await last`select pgbank.transfer(${'after-target-' + Date.now()}, ${last.unsafe(account('1'))}, ${last.unsafe(account('2'))}, 1.00)`;
    } finally {
      await last.end();
    }
    pgbackrest(state, ['check']);
    const restored = await restoreToTime(state, target, 'bench-restore');
    await restored.stop();

    const median = (xs: number[]) => percentile(xs, 50) / 1000;
    return table(['transfers, c=16 (pgbench, 2,000 accounts)', 'calls/s', 'ratio'], [
      ['formation: primary, synchronous standby (baseline: single server)', Math.round(tps.sync), ratio(tps.sync / tps.single)],
      ['same primary, synchronous_commit=local (no wait for the standby)', Math.round(tps.local), ratio(tps.local / tps.single)],
      ['single server (127.0.0.1:5432, the default one)', Math.round(tps.single), ratio(1)],
    ]) + `\n\nMean of ${ROUNDS} rounds of ${SECONDS} s each, taking turns; the formation's nodes run with shared_buffers 128MB, ` +
      `the default server with its own tuning (scripts/system.sh), all on this machine.\n\n` +
      table(['HA figure', 'value'], [
        ['formation up (monitor, 2 nodes, migrate, stanza, first full backup)', `${upSeconds.toFixed(0)} s`],
        [`failover: SIGKILL → first answered transfer, median of ${KILLS} (each)`, `${median(failovers).toFixed(1)} s (${failovers.map((x) => (x / 1000).toFixed(1)).join(', ')})`],
        ['old primary back as standby (pg_rewind), median', `${median(rejoins).toFixed(1)} s`],
        [`full backup, ${(full.sizeBytes / 2 ** 20).toFixed(0)} MB database (${TRANSACTIONS.toLocaleString('en-US')} transactions)`, `${full.seconds.toFixed(1)} s, ${full.mbPerSecond.toFixed(1)} MB/s (repository +${(full.repoBytes / 2 ** 20).toFixed(0)} MB, lz4)`],
        ['point-in-time restore of it (pgbackrest restore + recovery to the target)', `${(restored.restoreSeconds + restored.recoverySeconds).toFixed(1)} s (${restored.restoreSeconds.toFixed(1)} + ${restored.recoverySeconds.toFixed(1)})`],
      ]);
  } finally {
    await down(dir, () => {});
    await dropDatabase(BASELINE_DB, single).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
}
