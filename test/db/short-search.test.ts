// A search of one or two characters (q=zz): the list finds exactly the tasks whose title or
// description contains q ignoring case (the same answer as a plain strpos over lower(), computed
// without LIKE and without any index), for letters, case pairs, LIKE's own characters, a backslash,
// a newline, non-ASCII letters and a character outside the BMP; and on a large account it reads the
// trigram index of the tripled texts, not every task (src/db/migrations/2026_12_02_0001_short_search.ts).
import t from 'tap';
import { sql, type Compilable, type CompiledQuery } from 'kysely';
import { connect } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { subjectFromVerifiedToken } from '../../src/auth/subject.js';
import { listQuery } from '../../src/tasks/task-list.repository.js';
import type { ListParams } from '../../src/tasks/list-params.js';
import { freshDatabase, DATABASE_KIND } from '../helper.js';
import { planNodes, planOf } from '../support/query-plans.js';

const FILLER = 8_000;
const { db } = connect(await freshDatabase(t));
t.teardown(() => db.destroy());
await migrateToLatest(db);
await sql`insert into users (id) values ('big'), ('neighbour')`.execute(db);

const SPECIAL: [string, string | null][] = [
  ['Zz top', null],
  ['jazz', 'Buzz'],
  ['AZZB', 'a%b and x_y'],
  ['back\\slash', 'line one\nline two'],
  ['Übergrößen', 'ÄÖ ß'],
  ['thumbs 👍🏽 up', null],
  ['100%', '50_50'],
  ['q', 'Q'],
];
for (const [i, [title, description]] of SPECIAL.entries()) {
  await sql`insert into tasks (user_id, title, description) values ('big', ${title}, ${description})`.execute(db);
  await sql`insert into tasks (user_id, title, description) values ('neighbour', ${`${title} ${i}`}, ${description})`.execute(db);
}
// Filler around them (no z, ß, %, _ or backslash): a large account among other tasks.
for (let from = 1; from <= FILLER; from += 4000) {
  await sql`
    insert into tasks (user_id, title, description)
    select case when i % 2 = 0 then 'big' else 'neighbour' end, 'task ' || i, case when i % 3 = 0 then 'remember ' || i end
    from generate_series(${sql.lit(from)}, ${sql.lit(from + 3999)}) as i`.execute(db);
}
await sql`vacuum analyze tasks`.execute(db);

const owner = subjectFromVerifiedToken('big');
const DEFAULTS: ListParams = { status: 'all', sort: 'created_at', order: 'asc', limit: 1000, overdue: false };

/** The ids a search must return: containment of lower(q) in lower(text), without LIKE or an index. */
async function expected(q: string): Promise<string[]> {
  const rows = await sql<{ id: string }>`
    select id from tasks where user_id = 'big'
    and (strpos(lower(title), lower(${q})) > 0 or strpos(lower(coalesce(description, '')), lower(${q})) > 0)`.execute(db);
  return rows.rows.map((r) => r.id).sort();
}

t.test(`one and two characters find exactly the tasks that contain them (${DATABASE_KIND})`, async (t) => {
  const queries = [
    'zz',
    'Zz',
    'z',
    'Z',
    '%',
    '_',
    'a%',
    'x_',
    '\\',
    'h\\',
    '\n',
    'e\nl',
    'ü',
    'SS',
    'ß',
    'öß',
    '👍',
    '👍🏽',
    'q',
    'mi',
    'GR',
    '99',
    '0%',
    '0_',
  ];
  for (const q of queries) {
    const want = await expected(q);
    const got = (await db.executeQuery(listQuery(db, owner, { ...DEFAULTS, q }))).rows.map((r) => r.id).sort();
    t.same(got, want, `q=${JSON.stringify(q)}: ${want.length} task(s)`);
  }
  t.ok((await expected('zz')).length >= 3, 'the data has matches to find');
});

const plan = (query: Compilable | CompiledQuery) => planOf(db, query);
const nodes = planNodes;

t.test('a rare short search reads the index of the tripled texts, not every task of the account', async (t) => {
  for (const q of ['zz', 'z', 'ß']) {
    const all = nodes(await plan(listQuery(db, owner, { ...DEFAULTS, limit: 20, q })));
    const describe = all.map((n) => `${n['Node Type']}${n['Index Name'] ? ` on ${n['Index Name']}` : ''}`).join(' > ');
    t.ok(
      all.some((n) => n['Index Name'] === 'tasks_title_tripled_trgm_idx'),
      `q=${q}: ${describe}`,
    );
    t.notOk(
      all.some((n) => n['Node Type'] === 'Seq Scan'),
      `q=${q}: no Seq Scan`,
    );
  }
});
