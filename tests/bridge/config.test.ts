// src/bridge/config.ts: the bridge's settings from the environment; a bad one names the variable and its value.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bridgeConfig } from '../../src/bridge/config.ts';

test('defaults: this machine\'s services, batches of 1,000, two in flight, a 10 s batch timeout', () => {
  const c = bridgeConfig({});
  assert.is(c.queue, 'incoming_transactions');
  assert.is(c.deadLetterQueue, 'incoming_transactions.dead');
  assert.is(c.batchSize, 1000);
  assert.is(c.batchesInFlight, 2);
  assert.is(c.prefetch, 3000);
  assert.is(c.batchTimeoutMs, 10_000);
  assert.is(bridgeConfig({ BRIDGE_BATCH_TIMEOUT_MS: '2_500' }).batchTimeoutMs, 2500);
});

test('a bad value is refused, naming the variable and the value', () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ BRIDGE_BATCH_TIMEOUT_MS: '50' }, /BRIDGE_BATCH_TIMEOUT_MS must be a whole number >= 100, got "50"/],
    [{ BRIDGE_BATCH_TIMEOUT_MS: '1.5s' }, /BRIDGE_BATCH_TIMEOUT_MS .* got "1\.5s"/],
    [{ BRIDGE_BATCH_SIZE: '0' }, /BRIDGE_BATCH_SIZE must be a whole number >= 1, got "0"/],
    [{ BRIDGE_STANDBY: 'maybe' }, /BRIDGE_STANDBY must be 'wait' or 'exit', got "maybe"/],
    [{ AMQP_URL: 'http://x' }, /AMQP_URL must start with amqp:\/\/ or amqps:\/\/, got "http:\/\/x"/],
    [{ REDIS_URL: 'not a url' }, /REDIS_URL is not a URL: "not a url"/],
  ];
  for (const [env, message] of cases) assert.throws(() => bridgeConfig(env), message, JSON.stringify(env));
});

test.run();
