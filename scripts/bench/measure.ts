// One measured load: the load generator's figures plus what the machine did meanwhile, from /proc
// (Linux; elsewhere those figures are left out): CPU of the server, of PostgreSQL's processes for
// the bench's database, of everything else; the server's memory.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import type pg from 'pg';
import type { LoadGenerator } from './load.js';
import type { LoadResult, Scenario } from './plans.js';
import { sleep } from './processes.js';
import type { Server, ServerKind } from './servers.js';

export interface Measured extends LoadResult {
  readonly kind: ServerKind;
  readonly tool: string;
  /** 0 for a warm-up. */
  readonly round: number;
  /** CPU, as a share of one core: the server, PostgreSQL's processes for the bench's database, and everything else on the machine. */
  readonly serverCpu: number | undefined;
  readonly postgresCpu: number | undefined;
  readonly otherCpu: number | undefined;
  /** The server's peak resident memory so far, MiB. */
  readonly serverPeakRssMiB: number | undefined;
  /** Lines the server logged (warn and above) during the load. */
  readonly serverLogLines: number;
}

/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pid: number | undefined): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (100 Hz on Linux)
  } catch {
    return undefined;
  }
}

function peakRssMiB(pid: number | undefined): number | undefined {
  try {
    return Number(/^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;
  } catch {
    return undefined;
  }
}

/** Busy and total jiffies of the whole machine. */
function machineTicks(): { busy: number; total: number } | undefined {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const total = cpu.reduce((a, b) => a + b, 0);
    return { busy: total - cpu[3]! - (cpu[4] ?? 0), total };
  } catch {
    return undefined;
  }
}

/** The machine's busy share (0–1, all cores) over `ms`. */
export async function busyShare(ms: number): Promise<number | undefined> {
  const before = machineTicks();
  await sleep(ms);
  const after = machineTicks();
  return before && after ? (after.busy - before.busy) / (after.total - before.total) : undefined;
}

/** Waits (at most `seconds`) until the machine is under 15 % busy over one second. */
export async function settle(seconds: number): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (((await busyShare(1_000)) ?? 0) >= 0.15 && Date.now() < deadline);
}

/** PostgreSQL's backends connected to `database` (every server's pool) and its shared writers; none without `admin` (PGlite). */
async function postgresCpuSeconds(admin: pg.Client | undefined, database: string): Promise<Map<number, number>> {
  const pids = admin
    ? (
        await admin.query<{ pid: number }>(
          `select pid from pg_stat_activity where datname = $1 or backend_type in ('walwriter', 'checkpointer', 'background writer')`,
          [database],
        )
      ).rows.map((r) => r.pid)
    : [];
  return new Map(pids.flatMap((pid) => (cpuSeconds(pid) === undefined ? [] : [[pid, cpuSeconds(pid)!] as const])));
}

export async function measure(
  generator: LoadGenerator,
  server: Server,
  scenario: Scenario,
  seconds: number,
  round: number,
  postgres: { admin: pg.Client | undefined; database: string },
): Promise<Measured> {
  const serverBefore = cpuSeconds(server.child.pid);
  const postgresBefore = await postgresCpuSeconds(postgres.admin, postgres.database);
  const ticksBefore = machineTicks();
  const logBefore = server.logLines;
  const result = await generator.load(server.port, scenario, seconds);
  const serverAfter = cpuSeconds(server.child.pid);
  const ticksAfter = machineTicks();
  const serverCpu = serverBefore !== undefined && serverAfter !== undefined ? (serverAfter - serverBefore) / result.seconds : undefined;
  let postgresSeconds = 0;
  for (const [pid, before] of postgresBefore) postgresSeconds += (cpuSeconds(pid) ?? before) - before;
  const postgresCpu = postgresSeconds / result.seconds;
  const busyCores =
    ticksBefore && ticksAfter
      ? ((ticksAfter.busy - ticksBefore.busy) / (ticksAfter.total - ticksBefore.total)) * os.cpus().length
      : undefined;
  const loadgen = Number.isFinite(result.loadGeneratorCpu) ? result.loadGeneratorCpu : 0;
  return {
    ...result,
    kind: server.kind,
    tool: generator.name,
    round,
    serverCpu,
    postgresCpu,
    otherCpu: busyCores !== undefined && serverCpu !== undefined ? Math.max(0, busyCores - serverCpu - postgresCpu - loadgen) : undefined,
    serverPeakRssMiB: peakRssMiB(server.child.pid),
    serverLogLines: server.logLines - logBefore,
  };
}
