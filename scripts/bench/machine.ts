// What the machine is doing, from /proc (Linux; elsewhere the figures are left out): CPU used by a
// process, by the bench's PostgreSQL backends, by everything, and a process's memory.
import { readFileSync } from 'node:fs';
import type pg from 'pg';
import { sleep } from './processes.js';

/** CPU seconds (user+system) a process has used so far; undefined where /proc is missing. */
export function cpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (100 Hz on Linux)
  } catch {
    return undefined;
  }
}

/** Resident memory of a process now and at its peak, in MiB (VmRSS, VmHWM). */
export function memoryMiB(pid: number | undefined): { rss: number; peak: number } | undefined {
  if (pid === undefined) return undefined;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
    return { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

/**
 * The PostgreSQL processes working for this bench: the backends connected to `database` (the pools of
 * every variant) and the shared writers. Other databases' backends (other people's tests) are not counted.
 */
export async function postgresPids(admin: pg.Client, database: string): Promise<number[]> {
  const { rows } = await admin.query<{ pid: number }>(
    `select pid from pg_stat_activity where datname = $1 or backend_type in ('walwriter', 'checkpointer', 'background writer')`,
    [database],
  );
  return rows.map((r) => r.pid);
}

/** CPU seconds used so far by each of `pids` (a process that has gone is left out). */
export function cpuByPid(pids: readonly number[]): Map<number, number> {
  const used = new Map<number, number>();
  for (const pid of pids) {
    const seconds = cpuSeconds(pid);
    if (seconds !== undefined) used.set(pid, seconds);
  }
  return used;
}

/** Busy and total jiffies of the whole machine, from /proc/stat. */
export function machineTicks(): { busy: number; total: number } | undefined {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const idle = cpu[3]! + (cpu[4] ?? 0);
    const total = cpu.reduce((a, b) => a + b, 0);
    return { busy: total - idle, total };
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

/** Waits (at most `seconds`) until the machine is less than 15% busy over one second; answers the last busy share seen. */
export async function settle(seconds: number): Promise<number | undefined> {
  const deadline = Date.now() + seconds * 1000;
  let busy: number | undefined;
  do busy = await busyShare(1_000);
  while (busy !== undefined && busy >= 0.15 && Date.now() < deadline);
  return busy;
}
