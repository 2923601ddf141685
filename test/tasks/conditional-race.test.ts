// Conditional writers racing: the If-Match check and the write are one statement, so of N
// concurrent writes carrying the same (current) tag exactly one succeeds and the others get 412,
// and the stored task is the winner's. On PostgreSQL the writers really overlap (a pool of
// connections); on PGlite (one connection) they are serialized by the driver, and the answer must
// be the same.
import t from 'tap';
import type { ErrorBody, Task } from '../support/types.js';
import { build, call, DATABASE_KIND } from '../helper.js';
import { families } from '../support/families.js';

const WRITERS = 20;
const app = await build(t);

for (const family of families) {
  t.test(
    `${family.name}: ${WRITERS} concurrent PUTs with the same If-Match → one 200, ${WRITERS - 1} × 412 (${DATABASE_KIND})`,
    async (t) => {
      const user = `race-${family.name}`;
      const created = await call(app, { method: 'POST', url: family.collection(user), as: user, body: { title: 'Start' } });
      const task = created.json<Task>();
      const url = `${family.collection(user)}/${task.id}`;
      const etag = String(created.headers.etag);

      const responses = await Promise.all(
        Array.from({ length: WRITERS }, (_, i) =>
          call(app, {
            method: 'PUT',
            url,
            as: user,
            headers: { 'if-match': etag },
            body: { title: `writer ${i}`, description: `by writer ${i}` },
          }),
        ),
      );
      const winners = responses.filter((r) => r.statusCode === 200);
      const losers = responses.filter((r) => r.statusCode === 412);
      t.equal(winners.length, 1, 'exactly one 200');
      t.equal(losers.length, WRITERS - 1, `${WRITERS - 1} × 412`);
      t.ok(
        losers.every((r) => r.json<ErrorBody>().error === 'precondition_failed' && r.headers.etag === '"2"'),
        'each 412 carries the winner\'s ETag "2"',
      );

      const winner = winners[0]!.json<Task>();
      t.equal(winners[0]!.headers.etag, '"2"');
      const final = (await call(app, { method: 'GET', url, as: user })).json<Task>();
      t.same(final, winner, "the stored task is the winner's, field for field");
      t.match(final.description, /^by writer \d+$/);
      t.equal(final.description, `by ${final.title}`, 'title and description from the same writer');
    },
  );
}

t.test(`mixed conditional writers (PUT, PATCH, toggle, DELETE) on one version: one wins (${DATABASE_KIND})`, async (t) => {
  const user = 'race-mixed';
  const created = await call(app, { method: 'POST', url: '/api/tasks', as: user, body: { title: 'Start' } });
  const id = created.json<Task>().id;
  const headers = { 'if-match': '"1"' };
  const responses = await Promise.all(
    Array.from({ length: 12 }, (_, i) => {
      const url = i % 2 ? `/api/tasks/${id}` : `/api/${user}/tasks/${id}`;
      if (i % 4 === 0) return call(app, { method: 'PUT', url, as: user, headers, body: { title: `put ${i}` } });
      if (i % 4 === 1) return call(app, { method: 'PATCH', url, as: user, headers, body: { title: `patch ${i}` } });
      if (i % 4 === 2) return call(app, { method: 'PATCH', url: `${url}/complete`, as: user, headers });
      return call(app, { method: 'DELETE', url, as: user, headers });
    }),
  );
  const codes = responses.map((r) => r.statusCode);
  t.equal(codes.filter((c) => c === 200 || c === 204).length, 1, 'exactly one write succeeded');
  // A loser is 412 while the task exists, 404 once a DELETE won.
  const deleteWon = codes.includes(204);
  t.same(
    codes.filter((c) => c !== 200 && c !== 204).sort(),
    Array(11)
      .fill(deleteWon ? 404 : 412)
      .sort(),
    deleteWon ? 'the others: 404 (deleted)' : 'the others: 412',
  );
  const final = await call(app, { method: 'GET', url: `/api/tasks/${id}`, as: user });
  if (deleteWon) t.equal(final.statusCode, 404);
  else t.same(final.json<Task>(), responses.find((r) => r.statusCode === 200)!.json<Task>(), "the stored task is the winner's");
});
