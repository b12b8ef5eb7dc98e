// A pg_auto_failover formation for one test file (its own directory and ports, removed after),
// and transfer clients that retry a call in doubt with its request_id.
import { mkdtempSync } from 'node:fs';
import path from 'node:path';
import { dbSettings, type DbSettings } from '../../src/config.ts';
import { connect, type Sql } from '../../src/db.ts';
import { databaseUrl, type State } from '../../scripts/cluster/formation.ts';
import { down, up } from '../../scripts/cluster/lifecycle.ts';
import type { Ack } from '../../scripts/cluster/load.ts';

export { fundedAccounts, transferLoad, type Ack } from '../../scripts/cluster/load.ts';

export interface TestFormation {
  state: State;
  url: string;
  /** Client settings naming both nodes (target_session_attrs=read-write). */
  settings: DbSettings;
  /** Settings of one node only. */
  node(name: 'node1' | 'node2'): DbSettings;
  down(): Promise<void>;
}

/** Bring up a formation under /tmp; `down()` stops it and removes the directory (call it in finally). */
export async function testFormation(label: string, log: (l: string) => void = () => {}): Promise<TestFormation> {
  const dir = mkdtempSync(path.join('/tmp', `pgbank-ha-${label}-`));
  const stop = () => down(dir, () => {});
  try {
    const state = await up({ dir, log, seedTransactions: 0 });
    const url = databaseUrl(state);
    return {
      state,
      url,
      settings: dbSettings({}, { DATABASE_URL: url }),
      node: (name) => dbSettings({ host: '127.0.0.1', port: state.ports[name], database: 'pgbank', user: 'postgres' }, {}),
      down: stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * The ledger after a run: every acknowledged transfer recorded once with its outcome, no other
 * transfer, money of the accounts unchanged, both audits empty. Returns the problems found.
 */
export async function ledgerProblems(sql: Sql, acks: Ack[], accounts: string[], total: string, tag: string): Promise<string[]> {
  const problems: string[] = [];
  const rows = await sql<{ account: string; request_id: string; status: string; transaction_ids: string[] }[]>`
    select r.account, r.request_id, s.status, r.transaction_ids::text[]
      from pgbank.requests r, pgbank_private.stored_request(r.account, r.request_id) s  -- a narrow record's outcome is its ledger row's
     where r.request_id like ${tag + '-%'}`;
  const byKey = new Map(rows.map((r) => [`${r.account}/${r.request_id}`, r]));
  for (const a of acks) {
    const r = byKey.get(`${a.fromAccount}/${a.requestId}`);
    if (!r) problems.push(`acknowledged ${a.requestId} is not recorded`);
    else if (r.status !== a.status || r.transaction_ids[0] !== String(a.transactionId)) {
      problems.push(`${a.requestId}: acknowledged ${a.status} #${a.transactionId}, recorded ${r.status} #${r.transaction_ids.join(',')}`);
    }
  }
  const ackKeys = new Set(acks.map((a) => `${a.fromAccount}/${a.requestId}`));
  if (ackKeys.size !== acks.length) problems.push(`${acks.length - ackKeys.size} acknowledgements repeat a request`);
  const [twice] = await sql<{ n: number }[]>`
    select count(*)::int as n from (select id from pgbank.transactions where sender = any(${accounts}::uuid[]) and receiver = any(${accounts}::uuid[])
      group by id having count(*) > 1) d`;
  if (twice!.n) problems.push(`${twice!.n} transactions recorded twice`);
  // Every transfer row between the accounts (of every run) belongs to exactly one request.
  const [moved] = await sql<{ rows: number; requests: number }[]>`
    select (select count(*)::int from pgbank.transactions where sender = any(${accounts}::uuid[]) and receiver = any(${accounts}::uuid[])) as rows,
           (select count(*)::int from pgbank.requests where kind = 'transfer' and account = any(${accounts}::uuid[])) as requests`;
  if (rows.length !== acks.length) problems.push(`${rows.length} requests recorded for ${acks.length} acknowledged`);
  if (moved!.rows !== moved!.requests) problems.push(`${moved!.rows} transfer rows for ${moved!.requests} transfer requests`);
  const [sum] = await sql<{ total: string }[]>`select sum(balance)::text as total from pgbank.users where id = any(${accounts}::uuid[])`;
  if (sum!.total !== total) problems.push(`the accounts hold ${sum!.total}, not ${total}`);
  const balances = await sql`select * from pgbank.verify_balances()`;
  if (balances.length) problems.push(`verify_balances: ${JSON.stringify(balances).slice(0, 500)}`);
  const monthly = await sql`select * from pgbank_private.verify_monthly_totals()`;
  if (monthly.length) problems.push(`verify_monthly_totals: ${JSON.stringify(monthly).slice(0, 500)}`);
  return problems;
}

/** A pool through the formation's URL. */
export const formationPool = (f: TestFormation, max: number, name: string) => connect({ ...f.settings, max, name });
