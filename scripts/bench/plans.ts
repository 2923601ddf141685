// The scenarios and the request plans they send (the same for every server and both load
// generators), written as plan files that wrk-plan.lua and load-worker.ts replay; what a load answers.
import { writeFileSync } from 'node:fs';
import path from 'node:path';

export const SCENARIOS = ['list', 'get', 'create', 'mixed'] as const;
export type Scenario = (typeof SCENARIOS)[number];

/** A seeded reader: owns `taskIds` (a fixed number of tasks, never added to by the load). */
export interface BenchUser {
  readonly id: string;
  readonly token: string;
  readonly taskIds: readonly string[];
}

/** A writer: `create` requests go to writers, so the readers' lists keep their size all along. */
export interface BenchWriter {
  readonly id: string;
  readonly token: string;
}

export interface BenchData {
  readonly users: readonly BenchUser[];
  readonly writers: readonly BenchWriter[];
}

export interface PlannedRequest {
  readonly op: 'list' | 'get' | 'create' | 'update' | 'toggle';
  readonly method: 'GET' | 'POST' | 'PATCH';
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
}

/** Every request carries both the bearer token (ours) and `x-user` (the ceiling): the same bytes for every server. */
function headersFor(user: { id: string; token: string }, json: boolean): Record<string, string> {
  return {
    authorization: `Bearer ${user.token}`,
    'x-user': user.id,
    ...(json ? { 'content-type': 'application/json' } : {}),
  };
}

/** A small deterministic PRNG (mulberry32), so every variant gets the same request sequence. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PLAN_LENGTH = 20_000;

/**
 * The requests of a scenario, in the order the load generator hands them out (a global cursor
 * shared by all connections, so concurrent requests are spread across users).
 * mixed: 35% get, 35% list, 10% create, 10% update (PATCH title), 10% toggle (PATCH …/complete, no body).
 */
function planFor(scenario: Scenario, data: BenchData): PlannedRequest[] {
  const random = prng(SCENARIOS.indexOf(scenario) + 1);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const plan: PlannedRequest[] = [];
  for (let i = 0; i < PLAN_LENGTH; i++) {
    let op: PlannedRequest['op'];
    if (scenario === 'mixed') {
      const r = random();
      op = r < 0.35 ? 'get' : r < 0.7 ? 'list' : r < 0.8 ? 'create' : r < 0.9 ? 'update' : 'toggle';
    } else {
      op = scenario;
    }
    if (op === 'create') {
      const writer = pick(data.writers);
      const body = JSON.stringify({ title: `Bench task ${i}`, description: 'Created by the benchmark.' });
      plan.push({ op, method: 'POST', path: '/api/tasks', headers: headersFor(writer, true), body });
      continue;
    }
    const user = pick(data.users);
    if (op === 'list') {
      plan.push({ op, method: 'GET', path: '/api/tasks', headers: headersFor(user, false) });
      continue;
    }
    const taskId = pick(user.taskIds);
    if (op === 'get') plan.push({ op, method: 'GET', path: `/api/tasks/${taskId}`, headers: headersFor(user, false) });
    else if (op === 'update') {
      const body = JSON.stringify({ title: `Renamed ${i}` });
      plan.push({ op, method: 'PATCH', path: `/api/tasks/${taskId}`, headers: headersFor(user, true), body });
    } else plan.push({ op, method: 'PATCH', path: `/api/tasks/${taskId}/complete`, headers: headersFor(user, false) });
  }
  return plan;
}

/** What one load measured. */
export interface LoadResult {
  readonly scenario: Scenario;
  /** Wall-clock seconds the load ran. */
  readonly seconds: number;
  readonly responses: number;
  /** Responses per second over the run (all statuses). */
  readonly rps: number;
  /** Latency percentiles in ms, computed from every response time of the run. */
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  /** Socket errors and timeouts (no response at all). */
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
  /** CPU time the load generator used, as a share of one core. */
  readonly loadGeneratorCpu: number;
}

/** Writes the scenario's plan for the load generators: one request a line, tab-separated. Answers the file. */
export function writePlan(scenario: Scenario, data: BenchData, dir: string): string {
  const lines = planFor(scenario, data).map((r) =>
    [r.method, r.path, r.headers.authorization, r.headers['x-user'], r.headers['content-type'] ?? '', r.body ?? ''].join('\t'),
  );
  const file = path.join(dir, `plan-${scenario}.tsv`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** The p-th percentile (0–100) of ascending-sorted values, nearest-rank. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
