// One measured load: the load generator's figures plus what the machine did meanwhile (CPU of the
// server, of PostgreSQL's bench backends, of everything else; the server's memory).
import os from 'node:os';
import type pg from 'pg';
import type { LoadGenerator } from './load-generators.js';
import { cpuByPid, cpuSeconds, machineTicks, memoryMiB, postgresPids } from './machine.js';
import type { Server, ServerKind } from './servers.js';
import type { LoadResult, Scenario } from './shared.js';

export interface Measured extends LoadResult {
  readonly kind: ServerKind;
  readonly run: number;
  /** CPU the server process used, as a share of one core. */
  readonly serverCpu: number | undefined;
  /** CPU the bench's PostgreSQL processes used, in cores. */
  readonly postgresCpu: number | undefined;
  /** Whole-machine CPU busy share (all cores) during the run. */
  readonly machineBusy: number | undefined;
  /** Busy CPU (in cores) not accounted for by the server, the load generator or PostgreSQL: other processes on the machine. */
  readonly otherCpu: number | undefined;
  /** The server's resident memory at the end of the run and its peak so far, MiB. */
  readonly serverRssMiB: number | undefined;
  readonly serverPeakRssMiB: number | undefined;
  /** Lines the server logged (warn and above) during the run. */
  readonly serverLogLines: number;
}

export async function measure(
  generator: LoadGenerator,
  server: Server,
  scenario: Scenario,
  seconds: number,
  admin: pg.Client,
  database: string,
): Promise<Omit<Measured, 'run'>> {
  const serverBefore = cpuSeconds(server.child.pid);
  const postgresBefore = cpuByPid(await postgresPids(admin, database));
  const ticksBefore = machineTicks();
  const logBefore = server.logLines;
  const result = await generator.load(server.port, scenario, seconds);
  const serverAfter = cpuSeconds(server.child.pid);
  const postgresAfter = cpuByPid([...postgresBefore.keys()]);
  const ticksAfter = machineTicks();
  const memory = memoryMiB(server.child.pid);
  const serverCpu = serverBefore !== undefined && serverAfter !== undefined ? (serverAfter - serverBefore) / result.seconds : undefined;
  let postgresSeconds = 0;
  for (const [pid, after] of postgresAfter) postgresSeconds += after - postgresBefore.get(pid)!;
  const postgresCpu = process.platform === 'linux' ? postgresSeconds / result.seconds : undefined;
  const machineBusy = ticksBefore && ticksAfter ? (ticksAfter.busy - ticksBefore.busy) / (ticksAfter.total - ticksBefore.total) : undefined;
  const loadgen = Number.isFinite(result.loadGeneratorCpu) ? result.loadGeneratorCpu : 0;
  const otherCpu =
    machineBusy !== undefined && serverCpu !== undefined && postgresCpu !== undefined
      ? Math.max(0, machineBusy * os.cpus().length - serverCpu - postgresCpu - loadgen)
      : undefined;
  return {
    ...result,
    kind: server.kind,
    serverCpu,
    postgresCpu,
    machineBusy,
    otherCpu,
    serverRssMiB: memory?.rss,
    serverPeakRssMiB: memory?.peak,
    serverLogLines: server.logLines - logBefore,
  };
}
