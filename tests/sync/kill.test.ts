// pgbank-sync killed (SIGKILL) mid-copy again and again, with the source changing in between:
// every resumed run picks up where the last commit left it, and the destination ends equal.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ROOT } from '../../src/paths.ts';
import { addSeedTransactions, createSeedTransactions, scratchDatabases, tableDigest } from '../../src/sync/seed-table.ts';
import { sleep } from '../helpers/wait.ts';

const ROWS = 200_000;
const dbs = await scratchDatabases('kill', ['source', 'dest']);
const source = dbs.pool('source');
const dest = dbs.pool('dest');
const { host, port } = dbs.settings('source');

test.after(() => dbs.drop());

function startSync() {
  const args = ['single', dbs.names.source, dbs.names.dest, 'transactions', 'postgres', '--host', host, '--port', String(port), '--chunk-size', '4000'];
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'pgbank-sync.js'), ...args], { cwd: ROOT });
  let stdout = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stdout += d));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout })));
  return { child, done };
}

/** rows_copied so far (0 before the first run creates the state table). */
async function copied(): Promise<number> {
  try {
    const [row] = await dest<{ rows: number }[]>`select rows_copied::int as rows from pgbank_sync_state`;
    return row?.rows ?? 0;
  } catch (err) {
    if ((err as { code?: string }).code === '42P01') return 0;
    throw err;
  }
}

test('killed with SIGKILL mid-copy four times and interrupted once, the sync resumes to an equal destination', async () => {
  await createSeedTransactions(source, { rows: ROWS });
  const stops: string[] = [];
  for (let round = 0; round < 5; round++) {
    const target = (await copied()) + 25_000;
    const sync = startSync();
    let finished = false;
    void sync.done.then(() => (finished = true));
    while (!finished && (await copied()) < target) await sleep(15);
    if (finished) assert.unreachable(`round ${round}: the run ended before it could be stopped:\n${(await sync.done).stdout}`);
    await sleep(Math.random() * 60); // somewhere inside the next chunk
    const signal = round === 4 ? 'SIGINT' : 'SIGKILL';
    sync.child.kill(signal);
    const outcome = await sync.done;
    if (signal === 'SIGKILL') assert.is(outcome.signal, 'SIGKILL', `round ${round}: ${JSON.stringify(outcome)}`);
    else {
      assert.is(outcome.code, 130, outcome.stdout);
      assert.match(outcome.stdout, /stopped=true/);
    }
    stops.push(`${signal} at ${await copied()}`);

    // Meanwhile the source moves on: rows already copied change, new rows arrive.
    await source`update transactions set amount = amount + 1, status = 'BLOCKED', updated = updated + ${round + 1}
                  where id in (select id from transactions order by random() limit 500)`;
    await addSeedTransactions(source, { rows: 1_000, startMs: Date.UTC(2023, 0, 1) + round * 7, from: ROWS + round * 1_000 });
  }

  const last = await startSync().done;
  assert.is(last.code, 0, last.stdout);
  const [src, dst] = [await tableDigest(source), await tableDigest(dest)];
  assert.is(dst.rows, ROWS + 5_000, stops.join(', '));
  assert.equal(dst, src, stops.join(', '));
  const [keys] = await dest<{ distinct: number; pk: boolean; building: boolean }[]>`
    select (select count(distinct id)::int from transactions) as distinct,
           exists (select from pg_index where indrelid = 'transactions'::regclass and indisprimary) as pk,
           (select building from pgbank_sync_state) as building`;
  assert.equal(keys, { distinct: ROWS + 5_000, pk: true, building: false });
});

test.run();
