// The ceiling: the best a bare Fastify + pg.Pool process does with the app's own SQL (server-sql.ts),
// sent as NAMED prepared statements (parsed and planned once per connection, as ours does), with no
// hooks, no authentication, no validation and no schemas; rows become tasks through the app's row
// mapping, so both servers give the same answer. The caller is the `x-user` header. What our server
// does beyond this (contract, auth, validation, Kysely, logging) is what ours / bare measures.
// Env: PORT, DATABASE_URL, DB_POOL_MAX (default 10, as ours).
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import pg from 'pg';
import { createSql, getSql, LIST_LIMIT, listSql, renameSql, taskOf, toggleSql, type Statement } from './server-sql.js';

const port = Number(process.env.PORT);
const url = process.env.DATABASE_URL;
if (!Number.isInteger(port) || port <= 0 || !url) {
  process.stderr.write('ceiling-server: PORT and DATABASE_URL are required\n');
  process.exit(2);
}

// The same pool settings as src/db/connect.ts.
const pool = new pg.Pool({
  connectionString: url,
  max: Number(process.env.DB_POOL_MAX ?? 10),
  connectionTimeoutMillis: 2_000,
  idleTimeoutMillis: 30_000,
  query_timeout: 15_000,
});
pool.on('error', () => {});

/** One name per SQL text: PostgreSQL prepares each once per connection. */
const names = new Map<string, string>();
async function rows(s: Statement): Promise<unknown[]> {
  let name = names.get(s.sql);
  if (name === undefined) names.set(s.sql, (name = `ceiling_${names.size + 1}`));
  return (await pool.query({ name, text: s.sql, values: s.parameters as unknown[] })).rows;
}

type Req = FastifyRequest<{ Params: { id: string }; Body: { title: string; description?: string | null } }>;
const user = (request: FastifyRequest) => String(request.headers['x-user']);
const one = (found: unknown[], reply: FastifyReply, status = 200) =>
  found[0] === undefined ? reply.code(404).send({ error: 'not_found' }) : reply.code(status).send(taskOf(found[0]));

const app = Fastify({ logger: false });
app.get('/ready', async () => (await pool.query('select 1'), { status: 'ready' }));
app.get('/api/tasks', async (request) => (await rows(listSql(user(request)))).slice(0, LIST_LIMIT).map(taskOf));
app.get('/api/tasks/:id', async (request: Req, reply) => one(await rows(getSql(user(request), request.params.id)), reply));
app.post('/api/tasks', async (request: Req, reply) => one(await rows(createSql(user(request), request.body)), reply, 201));
app.patch('/api/tasks/:id', async (request: Req, reply) =>
  one(await rows(renameSql(user(request), request.params.id, request.body.title)), reply),
);
app.patch('/api/tasks/:id/complete', async (request: Req, reply) => one(await rows(toggleSql(user(request), request.params.id)), reply));

const shutdown = async (): Promise<void> => {
  await app.close();
  await pool.end();
  process.exit(0);
};
process.once('SIGTERM', () => void shutdown());
process.once('SIGINT', () => void shutdown());

await app.listen({ host: '127.0.0.1', port });
