import t from 'tap';
import { sql } from 'kysely';
import { connect, connectionOptions, describeTarget } from '../../src/db/connect.js';
import { POSTGRES_URL } from '../helper.js';

t.test("Neon's URL form maps to pg's TLS and channel-binding options", async (t) => {
  const neon = connectionOptions(
    'postgresql://alex:pw@ep-cool-1.eu-central-1.aws.neon.tech/neondb?sslmode=require&channel_binding=require',
  );
  t.equal(neon.enableChannelBinding, true);
  const url = new URL(neon.connectionString);
  t.equal(url.searchParams.get('sslmode'), 'verify-full', 'TLS with certificate and host verification');
  t.equal(url.searchParams.has('channel_binding'), false);
  t.equal(url.hostname, 'ep-cool-1.eu-central-1.aws.neon.tech');
  t.equal(url.username, 'alex');

  const local = connectionOptions('postgres://postgres@127.0.0.1:5432/test');
  t.same(local, { connectionString: 'postgres://postgres@127.0.0.1:5432/test', enableChannelBinding: false });
  t.equal(new URL(connectionOptions('postgres://h/db?sslmode=disable').connectionString).searchParams.get('sslmode'), 'disable');
});

t.test('descriptions for logs never hold the password', async (t) => {
  const text = describeTarget({ kind: 'postgres', url: 'postgresql://alex:hunter2@db.example.com/app', poolMax: 1 });
  t.equal(text, 'PostgreSQL at db.example.com:5432/app');
  t.notMatch(text, /hunter2/);
});

// The app's pool bounds every query (15 s); migrations connect without that bound, since an index
// build on a large table takes minutes (scripts/migrate.ts, the database plugin's migrate-on-start).
t.test(
  'queryTimeoutMs bounds each query on PostgreSQL, and null removes the bound',
  { skip: POSTGRES_URL ? false : 'needs TEST_DATABASE_URL (PostgreSQL)' },
  async (t) => {
    const target = { kind: 'postgres', url: POSTGRES_URL!, poolMax: 1 } as const;
    const bounded = connect(target, { queryTimeoutMs: 200 }).db;
    const unbounded = connect(target, { queryTimeoutMs: null }).db;
    t.teardown(async () => {
      await bounded.destroy();
      await unbounded.destroy();
    });
    await t.rejects(sql`select pg_sleep(0.5)`.execute(bounded), /timeout/i, 'a query over the bound is abandoned');
    await t.resolves(sql`select pg_sleep(0.5)`.execute(unbounded), 'without a bound it runs to the end');
  },
);
