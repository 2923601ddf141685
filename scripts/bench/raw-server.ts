// The load generator's own ceiling: a raw node:http server that reads nothing and answers every
// request with a fixed body the size of the real answer (a 20-task array for GET /api/tasks, one task
// otherwise). If the load generator reaches far more requests per second here than against any
// measured server, it is not what limits them. Env: PORT; TASKS (array length, default 20).
import { createServer } from 'node:http';

const port = Number(process.env.PORT);
if (!Number.isInteger(port) || port <= 0) {
  process.stderr.write('raw-server: PORT is required\n');
  process.exit(2);
}
const task = (i: number) => ({
  id: `0190b6f1-7a2c-7c3e-9d4b-${String(i).padStart(12, '0')}`,
  user_id: 'bench-reader-0000',
  title: `Task ${i + 1} of bench-reader-0000`,
  description: 'Seeded by the benchmark: task 1, with a description of moderate length.',
  completed: false,
  created_at: '2026-12-01T20:00:00.000Z',
  updated_at: '2026-12-01T20:00:00.000Z',
});
const list = Buffer.from(JSON.stringify(Array.from({ length: Number(process.env.TASKS ?? 20) }, (_, i) => task(i))));
const one = Buffer.from(JSON.stringify(task(0)));

const server = createServer((request, response) => {
  const body = request.method === 'GET' && request.url === '/api/tasks' ? list : one;
  request.resume();
  response.writeHead(request.method === 'POST' ? 201 : 200, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': body.length,
  });
  response.end(body);
});
server.keepAliveTimeout = 72_000;
const close = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.once('SIGTERM', close);
process.once('SIGINT', close);
server.listen(port, '127.0.0.1');
