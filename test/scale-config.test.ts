// The scale-out settings of src/config.ts: REDIS_URL / REDIS_KEY_PREFIX and DRAIN_DELAY_SECONDS
// (TRUST_PROXY is in test/security/trust-proxy.test.ts).
import t from 'tap';
import { loadConfig } from '../src/config.js';
import { SECRET } from './helper.js';

const load = (env: Record<string, string>) => loadConfig({ NODE_ENV: 'test', BETTER_AUTH_SECRET: SECRET, ...env });

t.test('REDIS_URL: unset keeps counters in memory; set, with a default prefix', async (t) => {
  t.equal(load({}).redis, null);
  t.equal(load({ REDIS_URL: '' }).redis, null, 'empty is unset');
  t.same(load({ REDIS_URL: 'redis://:pw@cache:6379/2' }).redis, { url: 'redis://:pw@cache:6379/2', keyPrefix: 'todo-api:' });
  t.same(load({ REDIS_URL: 'rediss://cache:6380', REDIS_KEY_PREFIX: 'staging:' }).redis, {
    url: 'rediss://cache:6380',
    keyPrefix: 'staging:',
  });
  t.throws(() => load({ REDIS_URL: 'cache:6379' }), /invalid configuration: .*REDIS_URL/);
});

t.test('DRAIN_DELAY_SECONDS: default 2, decimals allowed, below SHUTDOWN_TIMEOUT_SECONDS', async (t) => {
  t.equal(load({}).drainDelayMs, 2000);
  t.equal(load({ DRAIN_DELAY_SECONDS: '0' }).drainDelayMs, 0);
  t.equal(load({ SHUTDOWN_TIMEOUT_SECONDS: '2' }).drainDelayMs, 1000, 'unset, with a short shutdown timeout: half of it');
  t.equal(load({ DRAIN_DELAY_SECONDS: '1.5' }).drainDelayMs, 1500);
  t.throws(
    () => load({ DRAIN_DELAY_SECONDS: '10', SHUTDOWN_TIMEOUT_SECONDS: '10' }),
    /DRAIN_DELAY_SECONDS \(10\) must be below SHUTDOWN_TIMEOUT_SECONDS \(10\)/,
  );
  t.throws(() => load({ DRAIN_DELAY_SECONDS: '-1' }), /invalid configuration/);
});
