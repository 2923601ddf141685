// The generated client (openapi-fetch over generated/openapi.ts) sends If-Match, If-None-Match
// and Idempotency-Key as typed header parameters, and reads ETag, 304, 412, 409/422 and
// Idempotent-Replayed, against a listening server. Both route families.
import t from 'tap';
import createClient from 'openapi-fetch';
import type { paths } from '../../generated/openapi.js';
import { build, tokenFor } from '../helper.js';

const app = await build(t);
await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
const baseUrl = typeof address === 'object' && address ? `http://127.0.0.1:${address.port}` : '';

const clientFor = (user: string) => createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${tokenFor(user)}` } });

t.test('caller-implied family: edit with If-Match, a lost update refused, a create retried with its key', async (t) => {
  const client = clientFor('typed-etag');
  const key = crypto.randomUUID();
  const body = { title: 'Typed', completed: false };
  const created = await client.POST('/api/tasks', { params: { header: { 'Idempotency-Key': key } }, body });
  t.equal(created.response.status, 201);
  const task = created.data!;
  const etag = created.response.headers.get('etag')!;
  t.equal(etag, `"${task.version}"`, 'ETag is "<version>"');
  const retried = await client.POST('/api/tasks', { params: { header: { 'Idempotency-Key': key } }, body });
  t.equal(retried.response.headers.get('idempotent-replayed'), 'true', 'the retry is a replay');
  t.same(retried.data, task);
  const reused = await client.POST('/api/tasks', {
    params: { header: { 'Idempotency-Key': key } },
    body: { title: 'Else', completed: false },
  });
  t.equal(reused.error?.error, 'idempotency_key_reused', 'a typed 422');

  const cached = await client.GET('/api/tasks/{task_id}', { params: { path: { task_id: task.id }, header: { 'If-None-Match': etag } } });
  t.equal(cached.response.status, 304, 'If-None-Match → 304');

  const phone = await client.PATCH('/api/tasks/{task_id}', {
    params: { path: { task_id: task.id }, header: { 'If-Match': etag } },
    body: { title: 'From the phone' },
  });
  t.equal(phone.response.status, 200);
  const laptop = await client.PUT('/api/tasks/{task_id}', {
    params: { path: { task_id: task.id }, header: { 'If-Match': etag } },
    body: { title: 'From the laptop' },
  });
  t.equal(laptop.response.status, 412, 'the stale edit is refused');
  t.equal(laptop.error?.error, 'precondition_failed');
  t.equal(laptop.response.headers.get('etag'), phone.response.headers.get('etag'), 'with the current ETag');

  // Editing from the list: the listed version is enough to build If-Match.
  const listed = await client.GET('/api/tasks');
  const fromList = listed.data!.find((x) => x.id === task.id)!;
  const edited = await client.PUT('/api/tasks/{task_id}', {
    params: { path: { task_id: task.id }, header: { 'If-Match': `"${fromList.version}"` } },
    body: { title: 'Merged' },
  });
  t.equal(edited.data?.title, 'Merged');
  const listEtag = (await client.GET('/api/tasks')).response.headers.get('etag')!;
  const unchanged = await client.GET('/api/tasks', { params: { header: { 'If-None-Match': listEtag } } });
  t.equal(unchanged.response.status, 304, 'the list answers 304 while nothing changed');
});

t.test('per-user family: a toggle with If-Match and Idempotency-Key, and DELETE with If-Match', async (t) => {
  const user = 'typed-etag-user';
  const client = clientFor(user);
  const created = await client.POST('/api/{user_id}/tasks', {
    params: { path: { user_id: user } },
    body: { title: 'Flip', completed: false },
  });
  const path = { user_id: user, task_id: created.data!.id };
  const header = { 'If-Match': created.response.headers.get('etag')!, 'Idempotency-Key': 'typed-toggle' };
  const toggled = await client.PATCH('/api/{user_id}/tasks/{task_id}/complete', { params: { path, header } });
  t.same([toggled.response.status, toggled.data?.completed], [200, true]);
  const again = await client.PATCH('/api/{user_id}/tasks/{task_id}/complete', { params: { path, header } });
  t.same([again.response.headers.get('idempotent-replayed'), again.data?.completed], ['true', true], 'replayed, not flipped back');
  const staleDelete = await client.DELETE('/api/{user_id}/tasks/{task_id}', {
    params: { path, header: { 'If-Match': header['If-Match'] } },
  });
  t.equal(staleDelete.error?.error, 'precondition_failed');
  const deleted = await client.DELETE('/api/{user_id}/tasks/{task_id}', {
    params: { path, header: { 'If-Match': toggled.response.headers.get('etag')! } },
  });
  t.equal(deleted.response.status, 204);
});
