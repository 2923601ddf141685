// Request bodies: invalid UTF-8 is refused (never stored as U+FFFD), a `__proto__` key is an
// unknown property like any other (422, no prototype pollution), and each offending field gets one
// clear message, with the list and the names it echoes bounded.
import t from 'tap';
import { assertMatchesContract, build, call, tokenFor } from '../helper.js';

const app = await build(t);
const json = { 'content-type': 'application/json' };

/** call() for raw bytes: the response is checked against the contract all the same. */
async function inject(method: 'POST' | 'PATCH', url: string, payload: Buffer) {
  const res = await app.inject({ method, url, headers: { ...json, authorization: `Bearer ${tokenFor('utf8-user')}` }, payload });
  await assertMatchesContract(method, url, res);
  return res;
}

t.test('invalid UTF-8 in a JSON body is 400 malformed_json and nothing is stored', async (t) => {
  const bad = [
    Buffer.concat([Buffer.from('{"title":"bad '), Buffer.from([0xff, 0xfe, 0xfd]), Buffer.from('"}')]),
    Buffer.concat([Buffer.from('{"title":"cut '), Buffer.from([0xe2, 0x82]), Buffer.from('"}')]), // a truncated €
    Buffer.concat([Buffer.from('{"title":"overlong '), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')]),
    Buffer.concat([Buffer.from('{"title":"surrogate '), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]),
  ];
  for (const payload of bad) {
    const res = await inject('POST', '/api/tasks', payload);
    t.equal(res.statusCode, 400);
    t.match(res.json(), { error: 'malformed_json', detail: 'The request body is not valid UTF-8.' });
  }
  const created = (await call(app, { method: 'POST', url: '/api/tasks', as: 'utf8-user', body: { title: 'x' } })).json();
  const patched = await inject(
    'PATCH',
    `/api/tasks/${created.id}`,
    Buffer.concat([Buffer.from('{"title":"'), Buffer.from([0xff]), Buffer.from('"}')]),
  );
  t.equal(patched.statusCode, 400);
  const list = (await call(app, { method: 'GET', url: '/api/tasks', as: 'utf8-user' })).json();
  t.same(
    list.map((task: { title: string }) => task.title),
    ['x'],
    'only the valid task exists, unchanged',
  );
  t.notMatch(JSON.stringify(list), /\uFFFD/);

  // Valid multi-byte text, split anywhere by the transport, is kept exactly.
  const ok = await call(app, { method: 'POST', url: '/api/tasks', as: 'utf8-user', body: { title: 'Café 🍰 €' } });
  t.equal(ok.statusCode, 201);
  t.equal(ok.json().title, 'Café 🍰 €');
});

t.test('a __proto__ or constructor key is 422 naming the field, with no prototype pollution', async (t) => {
  for (const [method, url] of [
    ['POST', '/api/tasks'],
    ['POST', '/api/proto-user/tasks'],
  ] as const) {
    const res = await call(app, {
      method,
      url,
      as: 'proto-user',
      payload: '{"title":"x","__proto__":{"polluted":true,"title":""}}',
      headers: json,
    });
    t.equal(res.statusCode, 422);
    t.same(res.json().errors, [{ in: 'body', field: '__proto__', message: 'is not allowed' }]);
    t.equal(res.json().detail, 'The request is invalid: body.__proto__ is not allowed.');
  }
  const ctor = await call(app, {
    method: 'POST',
    url: '/api/tasks',
    as: 'proto-user',
    payload: '{"title":"x","constructor":{"prototype":{"polluted":true}}}',
    headers: json,
  });
  t.equal(ctor.statusCode, 422);
  t.same(ctor.json().errors, [{ in: 'body', field: 'constructor', message: 'is not allowed' }]);
  const created = (await call(app, { method: 'POST', url: '/api/tasks', as: 'proto-user', body: { title: 'y' } })).json();
  for (const method of ['PUT', 'PATCH'] as const) {
    const res = await call(app, {
      method,
      url: `/api/tasks/${created.id}`,
      as: 'proto-user',
      payload: '{"title":"z","__proto__":{"completed":true}}',
      headers: json,
    });
    t.equal(res.statusCode, 422, method);
    t.equal(res.json().errors[0].field, '__proto__');
  }
  t.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype untouched');
  t.equal(Object.getPrototypeOf({}), Object.prototype);
  const list = (await call(app, { method: 'GET', url: '/api/tasks', as: 'proto-user' })).json();
  t.match(list, [{ title: 'y', completed: false }], 'nothing else stored, nothing changed');
  t.equal(list.length, 1);
});

t.test('one clear message per field', async (t) => {
  const cases: [unknown, { field: string; message: string }[]][] = [
    [{ title: '' }, [{ field: 'title', message: 'must not be empty' }]],
    [{ title: '   ' }, [{ field: 'title', message: 'must not be blank' }]],
    [{ title: 'x'.repeat(101) }, [{ field: 'title', message: 'must be at most 100 characters' }]],
    [{ title: 5 }, [{ field: 'title', message: 'must be a string' }]],
    [{ title: 'a\u0000' }, [{ field: 'title', message: 'must not contain the NUL character (U+0000)' }]],
    [{ title: 'x', description: 'a\u0000' }, [{ field: 'description', message: 'must not contain the NUL character (U+0000)' }]],
    [{ title: 'x', description: 7 }, [{ field: 'description', message: 'must be a string or null' }]],
    [
      { title: '', description: 'd'.repeat(1001), extra: 1 },
      [
        { field: 'title', message: 'must not be empty' },
        { field: 'description', message: 'must be at most 1000 characters' },
        { field: 'extra', message: 'is not allowed' },
      ],
    ],
  ];
  for (const [body, expected] of cases) {
    const res = await call(app, { method: 'POST', url: '/api/tasks', as: 'msg-user', body });
    t.equal(res.statusCode, 422);
    const errors = res.json().errors as { in: string; field: string; message: string }[];
    const byField = (a: { field: string }, b: { field: string }) => a.field.localeCompare(b.field);
    t.same(
      errors.map(({ field, message }) => ({ field, message })).sort(byField),
      [...expected].sort(byField),
      JSON.stringify(body).slice(0, 60),
    );
    t.equal(new Set(errors.map((e) => e.field)).size, errors.length, 'no field named twice');
  }
  const empty = await call(app, { method: 'POST', url: '/api/tasks', as: 'msg-user', body: { title: '' } });
  t.equal(empty.json().detail, 'The request is invalid: body.title must not be empty.');
});

t.test('many unknown properties: at most 50 entries, names cut to 200 characters, a short detail', async (t) => {
  const body: Record<string, number> = { title: 1 };
  for (let i = 0; i < 400; i++) body[`k${i}`] = i;
  body[`long${'n'.repeat(5000)}`] = 1;
  const res = await call(app, { method: 'POST', url: '/api/tasks', as: 'msg-user', body, headers: json });
  t.equal(res.statusCode, 422);
  const { errors, detail } = res.json() as { errors: { field: string }[]; detail: string };
  t.equal(errors.length, 50);
  t.ok(errors.every((e) => e.field.length <= 200));
  t.ok(detail.length <= 2000, `detail of ${detail.length} characters`);
  t.match(detail, /; and 45 more\.$/);
  const named = await call(app, {
    method: 'POST',
    url: '/api/tasks',
    as: 'msg-user',
    body: { title: 'x', [`long${'n'.repeat(5000)}`]: 1 },
  });
  t.equal(named.json().errors[0].field.length, 200);
  t.match(named.json().errors[0].field, /^longn+…$/);
});
