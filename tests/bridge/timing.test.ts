// Provider bridge, period 1 s: 30 consecutive KeyDB writes right after their boundaries, while consuming; readers never see two refreshes mixed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { publishMessages } from '../../src/bridge/publisher.ts';
import { AMQP_URL, bridgeFixture, newRedis } from '../helpers/bridge.ts';
import { testDatabase, type TestDatabase } from '../helpers/db.ts';
import { sleep } from '../helpers/wait.ts';

const fixture = bridgeFixture('bridge_timing');
const { tag, prefix } = fixture;
const queue = fixture.queueFor('incoming');
const PROVIDERS = 5;
const WRITES = 30;
// The seed's tolerance is 1 s; our goal is 50 ms (p99 over an hour, measured by the benchmark).
// Every write must meet the first; most must meet the second even on this shared 2-core box.
const SEED_BOUND_MS = 1_000;
const GOAL_MS = 50;

let db: TestDatabase;

test.before(async () => {
  db = await testDatabase('bridge_timing');
  await db.sql`insert into pgbank.initial_data (id, provider_name, initial_value)
               select i, 'P' || i, 1000 * i from generate_series(1, ${PROVIDERS}) as i`;
});

test.after(async () => {
  await fixture.cleanup();
  await db?.drop();
});

test(`${WRITES} consecutive writes, each within ${SEED_BOUND_MS} ms of its boundary (most within ${GOAL_MS} ms), all keys changing together`, async () => {
  const b = fixture.start(db, queue);
  const first = await b.waitFor((l) => l.event === 'keydb_write' && l.keys === PROVIDERS, 20_000, 'a first write');
  const keys = Array.from({ length: PROVIDERS }, (_, i) => `${prefix}${i + 1}_P${i + 1}`);
  const initial = Array.from({ length: PROVIDERS }, (_, i) => 1000 * (i + 1));

  // Load: round-robin over the providers, 1 each, so any real snapshot has (nearly) equal
  // counts per provider, and two refreshes a second apart differ by ~200 per provider.
  const stopLoad = new AbortController();
  const load = publishMessages({
    url: AMQP_URL, queue, count: 1_000_000, rate: 1_000, signal: stopLoad.signal,
    message: (i) => ({ body: `{"id": ${1 + (i % PROVIDERS)}, "value": 1}`, messageId: `${tag}-${i}` }),
  });

  // Reader: polls all keys in one MGET and keeps every distinct tuple with the time it first saw it.
  const reader = newRedis();
  const seen: { at: number; counts: number[] }[] = [];
  let reading = true;
  const readLoop = (async () => {
    let last = '';
    while (reading) {
      const values = await reader.mget(...keys);
      const at = Date.now();
      const text = values.join(',');
      if (text !== last) {
        last = text;
        seen.push({ at, counts: values.map((v, i) => Number(v) - initial[i]!) });
      }
      await sleep(2);
    }
  })();

  const startAfter = Date.parse(String(first.boundary));
  const writes = () => b.lines.filter((l) => l.event === 'keydb_write' && Date.parse(String(l.boundary)) > startAfter);
  await b.waitFor(() => writes().length >= WRITES, (WRITES + 10) * 1000, `${WRITES} writes`);
  await sleep(200);  // the reader's view of the last write
  reading = false;
  await readLoop;
  stopLoad.abort();
  await load.catch(() => {});
  await reader.quit();

  const logged = writes().slice(0, WRITES);
  const boundaries = logged.map((l) => Date.parse(String(l.boundary)));
  assert.equal(boundaries, boundaries.map((_, i) => boundaries[0]! + i * 1000), 'one write at every boundary, none missed');
  assert.ok(logged.every((l) => l.keys === PROVIDERS), 'every write sets every key');
  assert.not.ok(b.lines.some((l) => l.event === 'keydb_write_failed'), 'no failed write');

  const delays = logged.map((l) => Number(l.delay_ms)).sort((x, y) => x - y);
  // What a reader sees: the first change after each boundary (2 ms polling included).
  const seenDelays = boundaries.map((boundary) => {
    const change = seen.find((s) => s.at >= boundary);
    return change ? change.at - boundary : Infinity;
  }).sort((x, y) => x - y);
  const summary = `logged delay ms: median ${delays[WRITES >> 1]}, max ${delays.at(-1)}; seen by a reader: median ${seenDelays[WRITES >> 1]}, max ${seenDelays.at(-1)}`;
  console.log(`      ${summary}`);
  assert.ok(delays.at(-1)! <= SEED_BOUND_MS, `every write within ${SEED_BOUND_MS} ms: ${summary}`);
  // The reader polls from this process, which also drives the load: on a busy machine its own
  // turn can come late (seen: 1,048 ms for a write logged at 246 ms), so it gets half a second more.
  assert.ok(seenDelays.at(-1)! <= SEED_BOUND_MS + 500, `every write seen within ${SEED_BOUND_MS + 500} ms: ${summary}`);
  assert.ok(delays[Math.floor(WRITES * 0.9)]! <= GOAL_MS, `90% of writes within ${GOAL_MS} ms: ${summary}`);

  // Every tuple a reader saw is one snapshot: counts per provider within a few of each other
  // (batches are contiguous runs of the round-robin, so each adds equally, ±1 per provider).
  const live = seen.filter((s) => s.at > startAfter + 1000);
  assert.ok(live.length >= WRITES - 2, `the reader saw the values change at (nearly) every write: ${live.length}`);
  for (const s of live) {
    const spread = Math.max(...s.counts) - Math.min(...s.counts);
    assert.ok(spread <= 4, `a mixed read: counts ${s.counts.join(', ')} (at ${new Date(s.at).toISOString()})`);
  }
  for (let i = 1; i < live.length; i++) {
    const changed = live[i]!.counts.filter((c, k) => c !== live[i - 1]!.counts[k]).length;
    assert.is(changed, PROVIDERS, `all keys change together: ${live[i - 1]!.counts.join(', ')} → ${live[i]!.counts.join(', ')}`);
  }
  await b.stop('SIGTERM');
});

test.run();
