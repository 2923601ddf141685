// queryShape(): a query is built and compiled once per shape, and each call gets the cached SQL
// with its own values in place of the placeholders, the shape's constants untouched.
import t from 'tap';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { Database } from '../../src/db/schema.js';
import { oneShape, placeholderPositions, queryShape } from '../../src/db/query-shapes.js';

// Compiling needs no connection: a pool that is never used.
const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ max: 1 }) }) });
t.teardown(() => db.destroy());

t.test('binds each call’s values into the SQL compiled once', async (t) => {
  let builds = 0;
  const byEmail = queryShape(oneShape<{ email: string; limit: number }>(), (db, p) => {
    builds++;
    return db
      .selectFrom('users')
      .select('id')
      .where('email', '=', p.email)
      .where('created_at', '<', sql<Date>`now()`)
      .limit(p.limit);
  });
  const a = byEmail(db, { email: 'a@example.com', limit: 5 });
  const b = byEmail(db, { email: 'b@example.com', limit: 7 });
  t.equal(builds, 1, 'built once');
  t.equal(a.sql, 'select "id" from "users" where "email" = $1 and "created_at" < now() limit $2');
  t.equal(b.sql, a.sql);
  t.same(a.parameters, ['a@example.com', 5]);
  t.same(b.parameters, ['b@example.com', 7]);
  const direct = db
    .selectFrom('users')
    .select('id')
    .where('email', '=', 'a@example.com')
    .where('created_at', '<', sql<Date>`now()`)
    .limit(5)
    .compile();
  t.same([a.sql, a.parameters], [direct.sql, direct.parameters], 'what Kysely compiles with the values themselves');
  t.same(placeholderPositions(a, 'email'), [], 'a bound query holds values, not placeholders');
  t.same(placeholderPositions(byEmail.compiled()[0]!, 'email'), [1], 'the cached one holds the placeholder');
  t.same(placeholderPositions(byEmail.compiled()[0]!, 'limit'), [2]);
});

t.test('a shape per description; the description’s constants stay in the parameters', async (t) => {
  const byIds = queryShape(
    (v: { ids: string[]; pending: boolean }) => ({ n: v.ids.length, pending: v.pending }),
    (db, p, shape) =>
      db
        .selectFrom('tasks' as 'users')
        .select('id')
        .where('id', 'in', p.items('ids', shape.n))
        .where(sql.ref('completed'), '=', !shape.pending),
  );
  const one = byIds(db, { ids: ['x'], pending: true });
  const two = byIds(db, { ids: ['x', 'y'], pending: true });
  const twoDone = byIds(db, { ids: ['z', 'w'], pending: false });
  const twoAgain = byIds(db, { ids: ['u', 'v'], pending: true });
  t.equal(byIds.compiled().length, 3, 'three shapes');
  t.match(one.sql, /in \(\$1\) and "completed" = \$2$/);
  t.match(two.sql, /in \(\$1, \$2\) and "completed" = \$3$/);
  t.same(one.parameters, ['x', false]);
  t.same(twoDone.parameters, ['z', 'w', true]);
  t.same(twoAgain.parameters, ['u', 'v', false]);
  t.equal(twoAgain.sql, two.sql);
});

t.test('null is a value; a missing one is an error, never a placeholder sent to the database', async (t) => {
  const byEmail = queryShape(oneShape<{ email: string | null }>(), (db, p) =>
    db.selectFrom('users').select('id').where('email', 'is not distinct from', p.email),
  );
  t.same(byEmail(db, { email: null }).parameters, [null]);
  t.throws(() => byEmail(db, {} as { email: string }), /no value for placeholder email/);
});

t.test('past the limit of shapes, further ones are compiled per call (still correct)', async (t) => {
  let builds = 0;
  const byIds = queryShape(
    (v: { ids: string[] }) => v.ids.length,
    (db, p, n) => {
      builds++;
      return db.selectFrom('users').select('id').where('id', 'in', p.items('ids', n));
    },
  );
  for (let n = 1; n <= 600; n++) byIds(db, { ids: Array.from({ length: n }, (_, i) => `id${i}`) });
  t.equal(byIds.compiled().length, 500, 'at most 500 kept');
  const big = byIds(db, { ids: Array.from({ length: 600 }, (_, i) => `u${i}`) });
  t.equal(big.parameters.length, 600);
  t.equal(big.parameters[599], 'u599');
  t.equal(builds, 601, 'the 600-id shape was built again');
});
