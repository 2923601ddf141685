// TRUST_PROXY (src/config.ts → Fastify's trustProxy): request.ip, which the failed-authentication
// limit counts by, comes from X-Forwarded-For only when the peer is a trusted proxy, and then only
// the address that proxy saw: a client cannot choose its own counter.
import t from 'tap';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { loadConfig } from '../../src/config.js';
import { assertMatchesContract, build, FORGED_AUTHORIZATION, SECRET } from '../helper.js';

const BAD = FORGED_AUTHORIZATION;
const BALANCER = '10.0.0.5';

async function failFrom(app: FastifyInstance, peer: string, forwardedFor?: string): Promise<LightMyRequestResponse> {
  const headers: Record<string, string> = { authorization: BAD };
  if (forwardedFor !== undefined) headers['x-forwarded-for'] = forwardedFor;
  const res = await app.inject({ method: 'GET', url: '/api/tasks', remoteAddress: peer, headers });
  await assertMatchesContract('GET', '/api/tasks', res);
  return res;
}

t.test('off (the default): X-Forwarded-For is ignored, a client cannot pick a fresh counter', async (t) => {
  const app = await build(t, { env: { AUTH_RATE_LIMIT_MAX: '2' } });
  t.equal((await failFrom(app, '198.51.100.7', '203.0.113.1')).statusCode, 401);
  t.equal((await failFrom(app, '198.51.100.7', '203.0.113.2')).statusCode, 401);
  t.equal((await failFrom(app, '198.51.100.7', '203.0.113.3')).statusCode, 429, 'three different forged addresses, one counter: the peer');
});

t.test('the balancer trusted: each forwarded client has its own counter', async (t) => {
  const app = await build(t, { env: { AUTH_RATE_LIMIT_MAX: '2', TRUST_PROXY: `${BALANCER},127.0.0.1` } });
  for (const client of ['203.0.113.1', '203.0.113.2']) {
    t.equal((await failFrom(app, BALANCER, client)).statusCode, 401, `${client} 1`);
    t.equal((await failFrom(app, BALANCER, client)).statusCode, 401, `${client} 2`);
    t.equal((await failFrom(app, BALANCER, client)).statusCode, 429, `${client} 3: its own limit, not the balancer's`);
  }
  // A client's own X-Forwarded-For arrives first in the list, the balancer appends the real peer:
  // only the address the trusted balancer saw counts.
  t.equal((await failFrom(app, BALANCER, '198.51.100.99, 203.0.113.4')).statusCode, 401);
  t.equal((await failFrom(app, BALANCER, '198.51.100.98, 203.0.113.4')).statusCode, 401);
  t.equal((await failFrom(app, BALANCER, '198.51.100.97, 203.0.113.4')).statusCode, 429, 'forged entries before the real one are ignored');
  // A client that reaches the app directly (not through the balancer) is not believed.
  t.equal((await failFrom(app, '198.51.100.50', '203.0.113.20')).statusCode, 401);
  t.equal((await failFrom(app, '198.51.100.50', '203.0.113.21')).statusCode, 401);
  t.equal((await failFrom(app, '198.51.100.50', '203.0.113.22')).statusCode, 429, 'an untrusted peer counts as itself');
});

t.test('a CIDR and a hop count', async (t) => {
  const cidr = await build(t, { env: { AUTH_RATE_LIMIT_MAX: '1', TRUST_PROXY: '10.0.0.0/8' } });
  t.equal((await failFrom(cidr, '10.1.2.3', '203.0.113.1')).statusCode, 401);
  t.equal((await failFrom(cidr, '10.9.9.9', '203.0.113.2')).statusCode, 401, 'another client through another proxy of the range');
  t.equal((await failFrom(cidr, '10.9.9.9', '203.0.113.1')).statusCode, 429, 'the first client, through any proxy of the range');

  const hops = await build(t, { env: { AUTH_RATE_LIMIT_MAX: '1', TRUST_PROXY: '1' } });
  t.equal((await failFrom(hops, '10.1.2.3', '198.51.100.1, 203.0.113.1')).statusCode, 401);
  t.equal((await failFrom(hops, '10.1.2.3', '198.51.100.2, 203.0.113.2')).statusCode, 401, 'one hop: the last entry is the client');
  t.equal((await failFrom(hops, '10.1.2.4', '198.51.100.3, 203.0.113.1')).statusCode, 429);
});

t.test('TRUST_PROXY is validated', async (t) => {
  const load = (value: string) => loadConfig({ NODE_ENV: 'test', BETTER_AUTH_SECRET: SECRET, TRUST_PROXY: value });
  t.equal(load('false').trustProxy, false);
  t.equal(load('').trustProxy, false, 'empty is unset: off');
  t.equal(load('2').trustProxy, 2);
  t.same(load('127.0.0.1, 10.0.0.0/8,::1,fd00::/8,loopback').trustProxy, ['127.0.0.1', '10.0.0.0/8', '::1', 'fd00::/8', 'loopback']);
  t.throws(() => load('true'), /TRUST_PROXY=true would let any client choose its own address/);
  t.throws(() => load('10.0.0.0/33'), /TRUST_PROXY must be .*not "10.0.0.0\/33"/);
  t.throws(() => load('balancer.internal'), /TRUST_PROXY must be/);
  t.throws(() => load('1.2.3.4/8/9'), /TRUST_PROXY must be/);
});
