// Load through the balancer for the cluster tests: each client is a user that creates, toggles and
// lists its own tasks on a keep-alive connection, one request at a time, and remembers what was
// acknowledged. verify() then checks every acknowledged write is in the database as acknowledged.
import http from 'node:http';
import { tokenFor } from '../helper.js';
import { request } from './http.js';

export interface Failure {
  readonly what: string;
  readonly sentAt: number;
  readonly endedAt: number;
  /** The status, or the connection error. */
  readonly why: string;
}

export interface Load {
  /** Stops the clients and waits for their last requests. */
  stop(): Promise<void>;
  readonly failures: readonly Failure[];
  requests(): number;
  acknowledgedCreates(): number;
  /** Requests in flight right now. */
  inFlight(): number;
  /** Lists every client's tasks and compares them with what was acknowledged; returns the problems found. */
  verify(): Promise<string[]>;
  /** Which process (X-Served-By) answered how many requests. */
  readonly servedBy: Map<string, number>;
}

interface Client {
  readonly user: string;
  readonly token: string;
  readonly agent: http.Agent;
  /** Acknowledged tasks: id → the `completed` of the last acknowledged write (undefined: a toggle failed, in doubt). */
  readonly tasks: Map<string, boolean | undefined>;
  /** Creates that failed: they may or may not have been stored (in doubt). */
  inDoubt: number;
}

export function startLoad(base: string, clients: number, runId: string): Load {
  const failures: Failure[] = [];
  const servedBy = new Map<string, number>();
  let running = true;
  let requests = 0;
  let acked = 0;
  let inFlight = 0;
  const all: Client[] = Array.from({ length: clients }, (_, i) => {
    const user = `cluster-${runId}-${i}`;
    return { user, token: tokenFor(user), agent: new http.Agent({ keepAlive: true, maxSockets: 1 }), tasks: new Map(), inDoubt: 0 };
  });

  const send = async (client: Client, what: string, path: string, method: string, body?: unknown) => {
    const sentAt = Date.now();
    requests++;
    inFlight++;
    try {
      const answer = await request(base, path, {
        method,
        token: client.token,
        agent: client.agent,
        ...(body !== undefined ? { body } : {}),
      });
      const server = String(answer.headers['x-served-by'] ?? '?');
      servedBy.set(server, (servedBy.get(server) ?? 0) + 1);
      if (answer.status >= 300) failures.push({ what, sentAt, endedAt: Date.now(), why: `${answer.status} ${answer.body.slice(0, 120)}` });
      return answer.status < 300 ? answer : undefined;
    } catch (error) {
      failures.push({ what, sentAt, endedAt: Date.now(), why: (error as NodeJS.ErrnoException).code ?? String(error) });
      return undefined;
    } finally {
      inFlight--;
    }
  };

  const loop = async (client: Client) => {
    for (let step = 0; running; step++) {
      if (step % 3 === 0 || client.tasks.size === 0) {
        const created = await send(client, 'create', '/api/tasks', 'POST', { title: `task ${step}` });
        if (created) {
          client.tasks.set(created.json().id, false);
          acked++;
        } else client.inDoubt++;
      } else if (step % 3 === 1) {
        const ids = [...client.tasks.keys()];
        const id = ids[step % ids.length]!;
        const toggled = await send(client, 'toggle', `/api/tasks/${id}/complete`, 'PATCH');
        // A failed toggle is in doubt: the task must exist, its state is unknown.
        client.tasks.set(id, toggled ? toggled.json().completed : undefined);
      } else {
        await send(client, 'list', '/api/tasks?limit=5', 'GET');
      }
    }
  };
  const loops = all.map(loop);

  return {
    failures,
    servedBy,
    requests: () => requests,
    acknowledgedCreates: () => acked,
    inFlight: () => inFlight,
    stop: async () => {
      running = false;
      await Promise.all(loops);
      for (const client of all) client.agent.destroy();
    },
    verify: async () => {
      const problems: string[] = [];
      for (const client of all) {
        const stored = new Map<string, boolean>();
        for (let offset = 0; ; offset += 1000) {
          const page = await request(base, `/api/tasks?limit=1000&offset=${offset}`, { token: client.token });
          if (page.status !== 200) throw new Error(`listing ${client.user}: ${page.status} ${page.body}`);
          const tasks = page.json() as Array<{ id: string; completed: boolean }>;
          for (const task of tasks) stored.set(task.id, task.completed);
          if (tasks.length < 1000) break;
        }
        for (const [id, completed] of client.tasks) {
          if (!stored.has(id)) problems.push(`${client.user}: acknowledged task ${id} is missing`);
          else if (completed !== undefined && stored.get(id) !== completed)
            problems.push(`${client.user}: task ${id} completed=${stored.get(id)}, acknowledged ${completed}`);
        }
      }
      return problems;
    },
  };
}
