// scripts/cluster/: a pg_auto_failover formation of our own (monitor, primary, synchronous standby):
// failover under 8 transfer clients and back, the provider bridge across a failover, reads on the standby,
// pg_cron following the primary, backups and a point-in-time restore. One formation for all (bringing one up takes minutes).
// Serial: three PostgreSQL servers and SIGKILLed nodes on a 2-core machine; failover timeouts are
// seconds, so neighbours' load must not starve the keepers.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { balanceAt, getAccount, sumAmount, transfer } from '../../src/api.ts';
import { connect, type Sql } from '../../src/db.ts';
import { JOBS, jobName } from '../../src/cron.ts';
import type { NodeName } from '../../scripts/cluster/formation.ts';
import { backups, killNode, nodeStates, pgbackrest, primaryNode, restartNode, settled, waitForStates } from '../../scripts/cluster/lifecycle.ts';
import { fundedAccounts, ledgerProblems, testFormation, transferLoad, type TestFormation } from '../helpers/cluster.ts';
import { sqlstate } from '../helpers/db.ts';
import { AMQP_URL, REDIS_URL, bridgeFixture, newRedis } from '../helpers/bridge.ts';
import { bridgeEnv, startBridge } from '../../src/bridge/process.ts';
import { publishMessages } from '../../src/bridge/publisher.ts';
import { providerBalances, seedExampleProviders } from '../../src/bridge/sql.ts';
import { sleep, until } from '../helpers/wait.ts';
import { restoreToTime, takeBackup } from '../../scripts/cluster/backup.ts';

let f: TestFormation;
let sql: Sql;
let accounts: string[];
const TOTAL = '16000.00';
const failoverAt: Partial<Record<NodeName, Date>> = {};

test.before(async () => {
  const t0 = performance.now();
  f = await testFormation('formation');
  console.log(`formation up in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  sql = connect({ ...f.settings, max: 9, name: 'pgbank-test-ha' });
  accounts = await fundedAccounts(sql, 16, '1000.00');
});

test.after(async () => {
  await sql?.end({ timeout: 5 });
  await f?.down();
});

/** 8 clients through the URL; the primary is lost (SIGKILL of its pg_autoctl and postmaster); checks; it rejoins. */
async function failover(tag: string): Promise<void> {
  const victim = (await primaryNode(f.state))!;
  const survivor: NodeName = victim === 'node1' ? 'node2' : 'node1';
  const load = transferLoad(sql, accounts, 8, tag);
  let killed = false;
  try {
    try {
      await until(() => load.acks.length >= 200, 30_000, '200 transfers before the kill');
      const killedAt = performance.now();
      await killNode(f.state, victim);
      killed = true;
      // Backends of a killed postmaster may finish the statement in hand before their group dies:
      // count from the kill, but only answers to calls sent once the whole node is gone.
      const firstAck = await load.firstAckAfter(performance.now(), 60_000);
      failoverAt[survivor] = new Date();
      console.log(`${tag}: ${victim} killed; first transfer on ${survivor} after ${((firstAck - killedAt) / 1000).toFixed(1)} s`);
      await until(() => load.acks.filter((a) => a.at > firstAck).length >= 200, 30_000, '200 transfers after the failover');
    } finally {
      await load.stop();
    }
    const retried = load.acks.filter((a) => a.attempts > 1);
    assert.ok(retried.length > 0, 'some calls were in doubt and retried');
    assert.is(await primaryNode(f.state), survivor, `${survivor} was promoted`);
    assert.equal(await ledgerProblems(sql, load.acks, accounts, TOTAL, tag), []);
  } finally {
    // Even when the test failed: the tests after it need the formation whole again.
    if (killed) restartNode(f.state, victim);
  }
  const nodes = await waitForStates(f.state, settled, 120_000, `${victim} to rejoin as a standby`);
  assert.is(nodes.find((n) => n.name === victim)?.reported, 'secondary');
}

test('failover under 8 clients: every acknowledged transfer kept once, money unchanged, audits empty', async () => {
  assert.is(await primaryNode(f.state), 'node1');
  await failover('fo1');
});

test('the old primary rejoined as a standby, and a failover back works the same way', async () => {
  assert.is(await primaryNode(f.state), 'node2');
  await failover('fo2');
  assert.is(await primaryNode(f.state), 'node1');
});

test('the bridge keeps consuming across a failover: every message recorded once, KeyDB written after it', async () => {
  const fixture = bridgeFixture('ha_formation');
  const queue = fixture.queueFor('failover');
  const run = `${fixture.tag}-fo`;
  const count = 6_000;
  const recorded = async () => (await sql<{ rows: number; distinct: number; sum: string }[]>`
    select count(*)::int as rows, count(distinct message_id)::int as distinct, coalesce(sum(transaction_value), 0)::text as sum
      from pgbank.historical_transactions where message_id like ${run + '-%'}`)[0]!;
  // Whole units: the sum is exact in any order.
  const value = (i: number) => (i % 7) - 2;
  const expected = Array.from({ length: count }, (_, i) => value(i)).reduce((a, b) => a + b, 0);
  // Until the survivor is promoted, a query may meet a dying backend of the killed primary
  // ("terminating connection due to unexpected postmaster exit") or no primary at all: not yet.
  let lastError: unknown;
  const allRecorded = async () => {
    try {
      return (await recorded()).rows >= count;
    } catch (err) {
      lastError = err;
      return false;
    }
  };
  let victim: NodeName | undefined;
  try {
    await seedExampleProviders(sql);
    const b = startBridge(bridgeEnv(f.settings, {
      DATABASE_URL: f.url, AMQP_URL, REDIS_URL, BRIDGE_QUEUE: queue, BRIDGE_KEY_PREFIX: fixture.prefix, BRIDGE_PERIOD_MS: '1000',
    }));
    try {
      await b.waitFor((l) => l.event === 'consuming', 30_000);
      const publishing = publishMessages({
        url: AMQP_URL, queue, count, rate: 600, message: (i) => ({ body: `{"id": ${1 + (i % 2)}, "value": ${value(i)}}`, messageId: `${run}-${i}` }),
      });
      await until(async () => (await recorded()).rows > 1_000, 30_000, '1,000 messages recorded before the kill');
      victim = (await primaryNode(f.state))!;
      await killNode(f.state, victim);
      const killedAt = Date.now();
      failoverAt[victim === 'node1' ? 'node2' : 'node1'] = new Date(killedAt);
      await publishing;
      await until(allRecorded, 120_000, `${count} messages recorded`).catch((err: Error) => {
        throw new Error(`${err.message}; the last query error: ${String(lastError)}; the bridge's last lines:\n${b.tail()}`);
      });
      await sleep(1_500);  // anything recorded twice would show up now
      const r = await recorded();
      assert.equal({ rows: r.rows, distinct: r.distinct, sum: Number(r.sum) }, { rows: count, distinct: count, sum: expected });
      assert.is(b.child.exitCode, null, 'the same bridge process carried on');
      const written = await b.waitFor((l) => l.event === 'keydb_write' && Date.parse(l.ts) > killedAt + 2_000 && (l.keys as number) > 0, 20_000, 'a KeyDB write after the failover');
      const redis = newRedis();
      try {
        await b.waitFor((l) => l.event === 'keydb_write' && Date.parse(l.ts) > Date.parse(written.ts), 5_000, 'the next write');
        const balances = await providerBalances(sql);
        const keys = await redis.mget(...balances.map((x) => fixture.prefix + x.key));
        assert.equal(keys.map(Number), balances.map((x) => Number(x.balance)), 'KeyDB holds the balances of the new primary');
      } finally {
        await redis.quit();
      }
    } finally {
      await b.stop('SIGTERM');
    }
  } finally {
    // Even when the test failed: the tests after it need the formation whole again.
    if (victim) {
      restartNode(f.state, victim);
      await waitForStates(f.state, settled, 120_000, `${victim} to rejoin`);
    }
    await fixture.cleanup();
  }
});

test('reads on the standby match the primary after replay; writes there get 25006', async () => {
  const standbyName = (await nodeStates(f.state)).find((n) => n.reported === 'secondary')!.name;
  const primaryName = (await primaryNode(f.state))!;
  const primary = connect({ ...f.node(primaryName), max: 1, name: 'pgbank-test-ha-primary' });
  const standby = connect({ ...f.node(standbyName), max: 1, name: 'pgbank-test-ha-standby' });
  try {
    await transfer(sql, 'reads-1', accounts[0]!, accounts[1]!, '12.34');
    const { lsn } = (await primary<{ lsn: string }[]>`select pg_current_wal_lsn()::text as lsn`)[0]!;
    await until(async () => (await standby`select pg_last_wal_replay_lsn() >= ${lsn}::pg_lsn as ok`)[0]!.ok as boolean, 10_000, 'replay');
    assert.is((await standby`select pg_is_in_recovery() as r`)[0]!.r, true);
    const start = '2020-01-01T00:00:00';
    const end = new Date(Date.now() + 86_400_000);
    for (const id of accounts.slice(0, 4)) {
      assert.equal(await getAccount(standby, id), await getAccount(primary, id), `get_account ${id}`);
      assert.is(await balanceAt(standby, id, new Date()), await balanceAt(primary, id, new Date()), `balance_at ${id}`);
      for (const dir of ['sender', 'receiver'] as const) {
        assert.is((await sumAmount(standby, id, start, end, dir)).sumAmount, (await sumAmount(primary, id, start, end, dir)).sumAmount, `sum_amount ${id} ${dir}`);
      }
    }
    const refused = await sqlstate(transfer(standby, 'reads-2', accounts[0]!, accounts[1]!, '1.00'));
    assert.is(refused.code, '25006', refused.message);
    // read-write in the URL lands on the primary even when the standby is listed first (postgres.js
    // judges read-write by default_transaction_read_only alone, which a hot standby leaves off).
    const standbyFirst = connect({ ...f.settings, hosts: [standbyName, primaryName].map((n) => ({ host: '127.0.0.1', port: f.state.ports[n] })), max: 1, name: 'pgbank-test-ha-url' });
    try {
      const row = (await standbyFirst<{ port: string; recovery: boolean }[]>`select current_setting('port') as port, pg_is_in_recovery() as recovery`)[0]!;
      assert.equal(row, { port: String(f.state.ports[primaryName]), recovery: false });
    } finally {
      await standbyFirst.end();
    }
  } finally {
    await primary.end();
    await standby.end();
  }
});

test('pg_cron: the jobs replicate, and run on the primary of the moment only', async () => {
  const cron = (node: NodeName) => connect({ ...f.node(node), database: 'postgres', max: 1, name: 'pgbank-test-ha-cron' });
  const primaryName = (await primaryNode(f.state))!;
  const standbyName: NodeName = primaryName === 'node1' ? 'node2' : 'node1';
  const p = cron(primaryName);
  const s = cron(standbyName);
  try {
    const jobs = async (c: Sql) => (await c<{ jobname: string }[]>`select jobname from cron.job where database = 'pgbank' order by jobname`).map((j) => j.jobname);
    assert.equal(await jobs(p), JOBS.map((j) => jobName('pgbank', j.name)).sort());
    assert.equal(await jobs(s), await jobs(p), 'the standby holds the same jobs (replicated)');
    // expire-holds runs every minute: the node promoted last must have run it since its promotion.
    const since = failoverAt[primaryName]!;
    await until(async () => (await p`
      select count(*)::int as n from cron.job_run_details d join cron.job j using (jobid)
       where j.jobname = 'pgbank:pgbank:expire-holds' and d.status = 'succeeded' and d.start_time > ${since}`)[0]!.n > 0,
      90_000, 'a run of expire-holds on the new primary');
    const { inRecovery } = (await s<{ inRecovery: boolean }[]>`select pg_is_in_recovery() as "inRecovery"`)[0]!;
    assert.ok(inRecovery, 'the other node is a standby, where pg_cron waits for a promotion');
  } finally {
    await p.end();
    await s.end();
  }
});

test('backups: npm run backup takes an incremental one; the pg_cron job runs pgBackRest on the primary', async () => {
  const before = backups(f.state).length;
  const b = takeBackup(f.state, 'incr');
  assert.is(b.type, 'incr');
  assert.is(backups(f.state).length, before + 1);
  const primary = connect({ ...f.node((await primaryNode(f.state))!), database: 'postgres', max: 1, name: 'pgbank-test-ha-backup' });
  try {
    const jobs = await primary<{ jobname: string; command: string }[]>`select jobname, command from cron.job where jobname like 'pgbank:backup-%' order by jobname`;
    assert.equal(jobs.map((j) => j.jobname), ['pgbank:backup-full', 'pgbank:backup-incr']);
    await primary.unsafe(jobs.find((j) => j.jobname === 'pgbank:backup-incr')!.command);
  } finally {
    await primary.end();
  }
  const after = backups(f.state);
  assert.is(after.length, before + 2);
  assert.is(after.at(-1)!.type, 'incr');
});

test('point-in-time restore: the copy holds exactly the transfers committed before T; audits empty there', async () => {
  const run = async (tag: string, n: number) => {
    const acks = [];
    for (let i = 0; i < n; i++) acks.push(await transfer(sql, `${tag}-${i}`, accounts[i % 16]!, accounts[(i + 5) % 16]!, `${1 + i}.25`));
    return acks;
  };
  const before = await run('pitr-before', 30);
  await sleep(200);
  const target = (await sql<{ t: Date }[]>`select clock_timestamp() as t`)[0]!.t;
  await sleep(200);
  const after = await run('pitr-after', 30);
  pgbackrest(f.state, ['check']);  // switches WAL and waits until it is archived
  const copy = await restoreToTime(f.state, target, 'pitr');
  const restored = connect({ host: '127.0.0.1', port: copy.port, database: 'pgbank', user: 'postgres', max: 1, name: 'pgbank-test-ha-pitr' });
  try {
    const rows = await restored<{ request_id: string; status: string; ids: string[] }[]>`
      select r.request_id, s.status, r.transaction_ids::text[] as ids from pgbank.requests r, pgbank_private.stored_request(r.account, r.request_id) s
       where r.request_id like 'pitr-%' order by r.created_at`;
    assert.equal(rows.map((r) => `${r.request_id} ${r.status} ${r.ids[0]}`), before.map((a) => `${a.requestId} ${a.status} ${a.transactionId}`));
    assert.ok(after.length === 30, 'transfers after T happened on the formation');
    assert.equal([...await restored`select * from pgbank.verify_balances()`], []);
    assert.equal([...await restored`select * from pgbank_private.verify_monthly_totals()`], []);
  } finally {
    await restored.end();
    await copy.stop();
  }
});

test.run();
