// The ceiling: the best a bare Fastify + pg.Pool process does on the same table: the same SQL our
// repository sends, as NAMED prepared statements (parsed and planned once per connection), with no
// hooks, no authentication, no validation, no schemas and no serializer. The caller is the `x-user` header.
// Whatever our server does beyond this (contract, auth, validation, Kysely, logging) is the cost
// the benchmark's ours/ceiling ratio measures.
// Env: PORT, DATABASE_URL, DB_POOL_MAX (default 10, as ours).
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import pg from 'pg';

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

const app = Fastify({ logger: false });

function userOf(request: FastifyRequest): string {
  return String(request.headers['x-user']);
}

type WithId = FastifyRequest<{ Params: { id: string } }>;

/** A named prepared statement: PostgreSQL parses and plans it once per connection. */
function query(name: string, text: string, values: unknown[]): Promise<pg.QueryResult> {
  return pool.query({ name, text, values });
}

app.get('/ready', async () => {
  await pool.query('select 1');
  return { status: 'ready' };
});

app.get('/api/tasks', async (request) => {
  const { rows } = await query('list', 'select * from tasks where user_id=$1 order by created_at asc, id asc limit 101 offset 0', [
    userOf(request),
  ]);
  return rows.slice(0, 100);
});

app.get('/api/tasks/:id', async (request: WithId, reply: FastifyReply) => {
  const { rows } = await query('get', 'select * from tasks where user_id=$1 and id=$2', [userOf(request), request.params.id]);
  return rows[0] ?? reply.code(404).send({ error: 'not_found' });
});

app.post(
  '/api/tasks',
  async (request: FastifyRequest<{ Body: { title: string; description?: string | null; completed?: boolean } }>, reply: FastifyReply) => {
    const { title, description = null, completed = false } = request.body;
    const { rows } = await query('create', 'insert into tasks(user_id,title,description,completed) values ($1,$2,$3,$4) returning *', [
      userOf(request),
      title,
      description,
      completed,
    ]);
    return reply.code(201).send(rows[0]);
  },
);

app.patch('/api/tasks/:id', async (request: FastifyRequest<{ Params: { id: string }; Body: { title: string } }>, reply: FastifyReply) => {
  const { rows } = await query('update', 'update tasks set title=$3, updated_at=now() where user_id=$1 and id=$2 returning *', [
    userOf(request),
    request.params.id,
    request.body.title,
  ]);
  return rows[0] ?? reply.code(404).send({ error: 'not_found' });
});

app.patch('/api/tasks/:id/complete', async (request: WithId, reply: FastifyReply) => {
  const { rows } = await query(
    'toggle',
    'update tasks set completed = not completed, updated_at=now() where user_id=$1 and id=$2 returning *',
    [userOf(request), request.params.id],
  );
  return rows[0] ?? reply.code(404).send({ error: 'not_found' });
});

const shutdown = async (): Promise<void> => {
  await app.close();
  await pool.end();
  process.exit(0);
};
process.once('SIGTERM', () => void shutdown());
process.once('SIGINT', () => void shutdown());

await app.listen({ host: '127.0.0.1', port });
