// Through HAProxy in front of two real processes (scripts/cluster.sh) on one PostgreSQL and Redis:
// the CRUD and isolation flow, one user's requests spread over both processes, the client address
// forwarded (and not spoofable), and the failed-authentication limit counted across processes.
import t from 'tap';
import { FORGED_AUTHORIZATION, tokenFor } from '../helper.js';
import { clusterAvailable, startCluster } from '../support/cluster.js';
import { assertContract, request, type RequestOptions } from '../support/http.js';

const MAX = 10;

if (await clusterAvailable()) {
  const cluster = await startCluster(t, 2, { AUTH_RATE_LIMIT_MAX: String(MAX), AUTH_RATE_LIMIT_WINDOW_SECONDS: '60' });
  const call = async (method: string, path: string, options: RequestOptions = {}) => {
    const answer = await request(cluster.base, path, { method, ...options });
    await assertContract(method, path, answer);
    return answer;
  };

  t.test('CRUD and isolation through the balancer; one user spread over both processes', async (t) => {
    const alice = tokenFor('alice');
    const bob = tokenFor('bob');
    const served = new Set<string>();
    const seen = (answer: { headers: Record<string, unknown> }) => served.add(String(answer.headers['x-served-by']));

    const created = await call('POST', '/api/tasks', { token: alice, body: { title: 'Through the balancer', description: 'x' } });
    t.equal(created.status, 201);
    seen(created);
    const id = created.json().id as string;
    t.equal(created.headers.location, `/api/tasks/${id}`);
    for (let i = 0; i < 6; i++) {
      const got = await call('GET', `/api/alice/tasks/${id}`, { token: alice });
      t.equal(got.status, 200);
      seen(got);
    }
    t.same([...served].sort(), ['app1', 'app2'], "alice's requests were answered by both processes");

    const patched = await call('PATCH', `/api/tasks/${id}`, { token: alice, body: { description: null } });
    t.equal(patched.json().description, null);
    const toggled = await call('PATCH', `/api/tasks/${id}/complete`, { token: alice });
    t.equal(toggled.json().completed, true);
    const replaced = await call('PUT', `/api/alice/tasks/${id}`, { token: alice, body: { title: 'Renamed' } });
    t.match(replaced.json(), { title: 'Renamed', completed: true }, 'PUT keeps completed, whichever process answers');

    for (const [method, path] of [
      ['GET', `/api/tasks/${id}`],
      ['PATCH', `/api/tasks/${id}/complete`],
      ['DELETE', `/api/tasks/${id}`],
    ] as const) {
      t.equal((await call(method, path, { token: bob })).status, 404, `bob: ${method} ${path} is 404 on either process`);
    }
    t.equal((await call('GET', `/api/alice/tasks`, { token: bob })).status, 403);
    t.same((await call('GET', '/api/tasks', { token: bob })).json(), [], "bob's list is empty");

    t.equal((await call('DELETE', `/api/tasks/${id}`, { token: alice })).status, 204);
    t.equal((await call('GET', `/api/tasks/${id}`, { token: alice })).status, 404, 'deleted, on both');
  });

  t.test('the failed-authentication limit holds across processes, per forwarded client address', async (t) => {
    const served = new Set<string>();
    const fail = async (localAddress: string, headers: Record<string, string> = {}) => {
      const answer = await call('GET', '/api/tasks', { localAddress, headers: { authorization: FORGED_AUTHORIZATION, ...headers } });
      served.add(String(answer.headers['x-served-by']));
      return answer.status;
    };
    const statuses = [];
    for (let i = 0; i < MAX; i++) statuses.push(await fail('127.0.0.2'));
    t.same(statuses, Array(MAX).fill(401), `${MAX} failures from 127.0.0.2`);
    t.same([...served].sort(), ['app1', 'app2'], 'answered by both processes');
    t.equal(await fail('127.0.0.2'), 429, `failure ${MAX + 1} is 429: one count for both processes`);
    t.equal(await fail('127.0.0.2'), 429, 'and on the other process too');
    t.equal(
      await fail('127.0.0.2', { 'x-forwarded-for': '203.0.113.9' }),
      429,
      "a client's own X-Forwarded-For does not give it a fresh counter",
    );
    t.equal(await fail('127.0.0.3'), 401, 'another client address (forwarded by HAProxy) has its own count');
    const ok = await call('GET', '/api/tasks', { localAddress: '127.0.0.2', token: tokenFor('carol') });
    t.equal(ok.status, 200, 'a valid token from the limited address is served');
  });
}
