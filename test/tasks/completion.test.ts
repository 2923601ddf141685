// Every write of `completed` reaches the one completion function (src/tasks/completion.ts), and
// only when it changed whether the task is completed: the toggle, /complete with a body, PUT and
// PATCH naming `completed`, each through HTTP; a write that leaves it as it was, a create, or a
// write of other fields does not; concurrent writes setting the same value make one change.
import t from 'tap';
import type { components } from '../../generated/openapi.js';
import { observeCompletions, type CompletionChange } from '../../src/tasks/completion.js';
import { build, call } from '../helper.js';

type Task = components['schemas']['Task'];

const app = await build(t);
const seen: CompletionChange[] = [];
t.teardown(observeCompletions((change) => seen.push(change)));

const user = 'completion-hook';
const created = await call(app, { method: 'POST', url: '/api/tasks', as: user, body: { title: 'hooked', completed: true } });
const id = created.json<Task>().id;
const url = `/api/tasks/${id}`;

/** Sends the request and returns the completion changes it caused, as [completed, id] pairs. */
async function changesOf(request: { method: 'PUT' | 'PATCH'; url: string; body?: unknown }): Promise<[boolean, string][]> {
  const from = seen.length;
  const res = await call(app, { ...request, as: user });
  t.equal(res.statusCode, 200, `${request.method} ${request.url} ${JSON.stringify(request.body)} → 200`);
  return seen.slice(from).map((change) => [change.task.completed, change.task.id]);
}

t.test('each of the four paths reaches it, once per change', async (t) => {
  t.same(seen, [], 'creating a completed task is not a change');
  t.same(await changesOf({ method: 'PATCH', url: `${url}/complete` }), [[false, id]], 'the toggle (reopens)');
  t.same(await changesOf({ method: 'PATCH', url: `${url}/complete` }), [[true, id]], 'the toggle (completes)');
  t.same(await changesOf({ method: 'PATCH', url: `${url}/complete`, body: { completed: false } }), [[false, id]], '/complete with a body');
  t.same(await changesOf({ method: 'PUT', url, body: { title: 'hooked', completed: true } }), [[true, id]], 'PUT naming completed');
  t.same(await changesOf({ method: 'PATCH', url, body: { completed: false, title: 'x' } }), [[false, id]], 'PATCH naming completed');
  t.same(seen.at(-1)?.owner, user, 'with the owner');
});

t.test('a write that leaves completed as it was does not', async (t) => {
  t.same(await changesOf({ method: 'PATCH', url, body: { completed: false } }), [], 'PATCH to the same value');
  t.same(await changesOf({ method: 'PATCH', url: `${url}/complete`, body: { completed: false } }), [], '/complete to the same value');
  t.same(await changesOf({ method: 'PUT', url, body: { title: 'other' } }), [], 'PUT without completed');
  t.same(await changesOf({ method: 'PATCH', url, body: { priority: 'high' } }), [], 'PATCH of other fields');
});

t.test('concurrent writes of the same value make one change', async (t) => {
  const from = seen.length;
  const responses = await Promise.all(
    Array.from({ length: 8 }, () => call(app, { method: 'PATCH', url, as: user, body: { completed: true } })),
  );
  t.same(
    responses.map((r) => r.statusCode),
    Array(8).fill(200),
  );
  t.same(
    seen.slice(from).map((change) => change.task.completed),
    [true],
    'one change for eight writes',
  );
});
