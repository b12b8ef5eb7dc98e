#!/usr/bin/env tsx
// Example producer (seed 001): adds the seed's providers and history if missing, then publishes N
// messages {"id": <provider id>, "value": <amount>} to the durable queue with confirms and unique message_ids.
//   npm run produce                                  # 1,000 messages at 100/s to incoming_transactions
//   npm run produce -- --count 100000 --rate 0       # as fast as the broker confirms
//   npm run produce -- --count 1 --id 1 --value 600  # the seed's worked example
// Env: AMQP_URL, BRIDGE_QUEUE and PG* / DATABASE_URL, as for the bridge.
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { chalk } from 'zx';
import { bridgeConfig } from '../src/bridge/config.ts';
import { publishMessages } from '../src/bridge/publisher.ts';
import { providerBalances, seedExampleProviders } from '../src/bridge/sql.ts';
import { connect } from '../src/db.ts';

const config = bridgeConfig();
const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '1000' },
    rate: { type: 'string', default: '100' },
    queue: { type: 'string', default: config.queue },
    id: { type: 'string' },
    value: { type: 'string' },
    'min-value': { type: 'string', default: '-500' },
    'max-value': { type: 'string', default: '1000' },
    'no-message-id': { type: 'boolean', default: false },
    'no-seed': { type: 'boolean', default: false },
  },
});

const whole = (name: 'count' | 'rate', min: number) => {
  const n = Number(String(values[name]).replaceAll('_', '').replaceAll(',', ''));
  if (!Number.isSafeInteger(n) || n < min) throw new Error(`--${name} must be a whole number >= ${min}, got ${JSON.stringify(values[name])}`);
  return n;
};
// Amounts are made and written as exact decimal text in cents: no float ever touches them.
const cents = (name: 'min-value' | 'max-value') => {
  const m = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(values[name]!);
  if (!m) throw new Error(`--${name} must be an amount with at most 2 decimals, got ${JSON.stringify(values[name])}`);
  return (m[1] ? -1n : 1n) * (BigInt(m[2]!) * 100n + BigInt((m[3] ?? '').padEnd(2, '0')));
};
const count = whole('count', 0);
const rate = whole('rate', 0);
const [minCents, maxCents] = [cents('min-value'), cents('max-value')];
if (minCents > maxCents) throw new Error('--min-value must not be above --max-value');
if (values.id !== undefined && !/^-?\d+$/.test(values.id)) throw new Error(`--id must be a whole number, got ${JSON.stringify(values.id)}`);
const fixedValue = values.value;
if (fixedValue !== undefined && !/^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(fixedValue)) {
  throw new Error(`--value must be a JSON number, got ${JSON.stringify(fixedValue)}`);
}

const sql = connect({ max: 1, name: 'pgbank-produce' });
let providerIds: string[];
try {
  if (!values['no-seed']) {
    const added = await seedExampleProviders(sql);
    if (added.providersAdded || added.transactionsAdded) {
      console.log(chalk.green(`example data: +${added.providersAdded} providers, +${added.transactionsAdded} historical transactions`));
    }
  }
  providerIds = values.id !== undefined ? [values.id] : (await providerBalances(sql)).map((p) => p.providerId);
} catch (err) {
  const code = (err as { code?: string }).code;
  if (code === '42883' || code === '42P01') throw new Error('the provider tables or functions are missing: run `npm run migrate` first', { cause: err });
  if (code === '42501') throw new Error('adding the example data needs the schema owner\'s role (pgbank_app may not): connect as the owner, or pass --no-seed', { cause: err });
  throw err;
} finally {
  await sql.end();
}
if (!providerIds.length) throw new Error('no providers in initial_data: add some, or drop --no-seed');

const span = maxCents - minCents + 1n;
const randomCents = () => minCents + BigInt(Math.floor(Math.random() * Number(span)));
const asDecimal = (c: bigint) => {
  const abs = c < 0n ? -c : c;
  return `${c < 0n ? '-' : ''}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
};
const run = randomUUID();

console.log(`publishing ${count} messages to ${chalk.bold(values.queue)} on ${config.amqpUrl.replace(/:[^:@/]*@/, ':***@')}` +
  `${rate ? ` at ${rate}/s` : ' as fast as confirmed'}, providers ${providerIds.join(', ')}`);
const bar = new cliProgress.SingleBar({
  format: 'confirmed {bar} {percentage}% | {value}/{total} | {rate} msgs/s | ETA {eta_formatted}',
  hideCursor: true,
}, cliProgress.Presets.shades_classic);
const started = performance.now();
bar.start(count, 0, { rate: '-' });
const stop = new AbortController();
process.once('SIGINT', () => stop.abort());
try {
  const result = await publishMessages({
    url: config.amqpUrl,
    queue: values.queue!,
    deadLetterQueue: values.queue === config.queue ? config.deadLetterQueue : undefined,
    count,
    rate,
    signal: stop.signal,
    message: (i) => ({
      body: `{"id": ${providerIds[i % providerIds.length]}, "value": ${fixedValue ?? asDecimal(randomCents())}}`,
      ...(values['no-message-id'] ? {} : { messageId: `${run}:${i}` }),
    }),
    onConfirmed: (n) => {
      if (n % 100 === 0 || n === count) bar.update(n, { rate: Math.round(n / ((performance.now() - started) / 1000)).toLocaleString('en-US') });
    },
  });
  bar.stop();
  console.log(`published and confirmed ${result.published} messages in ${result.seconds.toFixed(1)} s ` +
    `(${Math.round(result.published / Math.max(result.seconds, 1e-9)).toLocaleString('en-US')} msgs/s); message ids ${run}:0…`);
} finally {
  bar.stop();
}
