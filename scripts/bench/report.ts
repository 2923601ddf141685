// The bench's answer: medians per scenario and server, the ours/bare table with p99s and the
// issue's targets, the load generator's headroom, and the noise the machine added.
import os from 'node:os';
import type { Measured } from './measure.js';
import { LABEL, type ServerKind } from './servers.js';
import { median, type Scenario } from './shared.js';

/** Issue 11's targets: ours/bare req/s per scenario, p99 against bare's, memory. */
export const TARGET_RATIO: Record<Scenario, number> = { get: 0.75, list: 0.85, mixed: 0.85, create: 0.85 };
export const TARGET_P99_FACTOR = 1.5;
export const TARGET_RSS_MIB = 200;
/** The load generator must reach at least this many times the fastest server's rate on the raw server. */
export const HEADROOM_FACTOR = 1.5;

export interface Summary {
  scenario: Scenario;
  kind: ServerKind;
  runs: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  errors: number;
  non2xx: number;
  serverCpu: number | undefined;
  loadGeneratorCpu: number;
  postgresCpu: number | undefined;
  otherCpu: number | undefined;
  peakRssMiB: number | undefined;
  serverLogLines: number;
}

const defined = (xs: (number | undefined)[]) => xs.filter((x): x is number => x !== undefined && Number.isFinite(x));
const medianOf = (xs: (number | undefined)[]) => (defined(xs).length ? median(defined(xs)) : undefined);

export function summarize(scenario: Scenario, kind: ServerKind, runs: Measured[]): Summary {
  return {
    scenario,
    kind,
    runs: runs.length,
    rps: median(runs.map((r) => r.rps)),
    p50: median(runs.map((r) => r.p50)),
    p95: median(runs.map((r) => r.p95)),
    p99: median(runs.map((r) => r.p99)),
    errors: runs.reduce((a, r) => a + r.errors + r.timeouts, 0),
    non2xx: runs.reduce((a, r) => a + r.non2xx, 0),
    serverCpu: medianOf(runs.map((r) => r.serverCpu)),
    loadGeneratorCpu: median(runs.map((r) => r.loadGeneratorCpu)),
    postgresCpu: medianOf(runs.map((r) => r.postgresCpu)),
    otherCpu: medianOf(runs.map((r) => r.otherCpu)),
    peakRssMiB: defined(runs.map((r) => r.serverPeakRssMiB)).reduce<number | undefined>((a, b) => Math.max(a ?? 0, b), undefined),
    serverLogLines: runs.reduce((a, r) => a + r.serverLogLines, 0),
  };
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) => r.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

export const ms = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '-');
export const pct = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '-' : `${Math.round(x * 100)}%`);
const mib = (x: number | undefined) => (x === undefined ? '-' : x.toFixed(0));
/** Server CPU time per request, in µs: less sensitive to a busy machine than req/s. */
export const cpuPerRequest = (s: Summary): number | undefined => (s.serverCpu === undefined ? undefined : (s.serverCpu / s.rps) * 1e6);
const us = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(0));

export interface Report {
  text: string;
  ratios: Record<string, { rps: number; p99: number }>;
  targets: Record<string, boolean>;
}

export function report(summaries: Summary[], measured: Measured[], scenarios: Scenario[]): Report {
  const rows = [
    [
      'scenario',
      'server',
      'req/s',
      'p50 ms',
      'p95 ms',
      'p99 ms',
      'errors',
      'non-2xx',
      'CPU: server',
      'loadgen',
      'postgres',
      'other',
      'server µs/req',
      'peak RSS MiB',
    ],
  ];
  for (const s of summaries) {
    rows.push([
      s.scenario,
      LABEL[s.kind],
      s.rps.toFixed(0),
      ms(s.p50),
      ms(s.p95),
      ms(s.p99),
      String(s.errors),
      String(s.non2xx),
      pct(s.serverCpu),
      pct(s.loadGeneratorCpu),
      pct(s.postgresCpu),
      pct(s.otherCpu),
      us(cpuPerRequest(s)),
      mib(s.peakRssMiB),
    ]);
  }
  const find = (scenario: Scenario, kind: ServerKind) => summaries.find((s) => s.scenario === scenario && s.kind === kind);
  const ratios: Report['ratios'] = {};
  const targets: Report['targets'] = {};
  const ratioRows = [
    [
      'scenario',
      'ours / bare',
      'ours req/s',
      'bare req/s',
      'ours p99',
      'bare p99',
      'p99 ours/bare',
      'µs/req ours/bare',
      `≥ target`,
      `p99 ≤ ${TARGET_P99_FACTOR}×`,
    ],
  ];
  const headroom: string[] = [];
  for (const scenario of scenarios) {
    const ours = find(scenario, 'ours');
    const bare = find(scenario, 'ceiling');
    const raw = find(scenario, 'raw');
    if (ours && bare) {
      const r = { rps: ours.rps / bare.rps, p99: ours.p99 / bare.p99 };
      ratios[scenario] = r;
      targets[`${scenario}_rps_ge_${TARGET_RATIO[scenario]}_of_bare`] = r.rps >= TARGET_RATIO[scenario];
      targets[`${scenario}_p99_le_${TARGET_P99_FACTOR}x_bare`] = r.p99 <= TARGET_P99_FACTOR;
      ratioRows.push([
        scenario,
        `${(r.rps * 100).toFixed(0)}%`,
        ours.rps.toFixed(0),
        bare.rps.toFixed(0),
        ms(ours.p99),
        ms(bare.p99),
        r.p99.toFixed(2),
        `${us(cpuPerRequest(ours))} / ${us(cpuPerRequest(bare))}`,
        `${r.rps >= TARGET_RATIO[scenario] ? 'MET' : 'NOT MET'} (${TARGET_RATIO[scenario] * 100}%)`,
        r.p99 <= TARGET_P99_FACTOR ? 'MET' : 'NOT MET',
      ]);
    }
    if (raw) {
      const fastest = Math.max(...summaries.filter((s) => s.scenario === scenario && s.kind !== 'raw').map((s) => s.rps));
      const factor = raw.rps / fastest;
      targets[`${scenario}_loadgen_headroom_ge_${HEADROOM_FACTOR}x`] = factor >= HEADROOM_FACTOR;
      headroom.push(
        `${scenario.padEnd(6)} raw node:http ${raw.rps.toFixed(0)} req/s = ${factor.toFixed(1)}× the fastest server measured (${fastest.toFixed(0)}): ${factor >= HEADROOM_FACTOR ? 'the load generator is not the bottleneck' : 'TOO LITTLE HEADROOM: the figures may be capped by the load generator'}`,
      );
    }
  }
  const ours = summaries.filter((s) => s.kind === 'ours');
  const peak = Math.max(...defined(ours.map((s) => s.peakRssMiB)));
  if (Number.isFinite(peak)) targets[`rss_lt_${TARGET_RSS_MIB}mib`] = peak < TARGET_RSS_MIB;
  const problems = summaries
    .filter((s) => s.errors > 0 || s.non2xx > 0 || s.serverLogLines > 0)
    .map((s) => `${s.scenario}/${LABEL[s.kind]}: ${s.errors} errors/timeouts, ${s.non2xx} non-2xx, ${s.serverLogLines} server log lines`);
  const other = defined(measured.filter((m) => m.kind !== 'raw').map((m) => m.otherCpu));
  const noisy = other.filter((x) => x > 0.25).length;
  const noise = other.length
    ? `Noise: CPU used by other processes during the measured runs: median ${pct(median(other))} of a core, max ${pct(Math.max(...other))}; ${noisy} of ${other.length} runs had more than 25%.`
    : 'Noise: not measured (no /proc).';
  const text = [
    table(rows),
    `(CPU columns: share of ONE core, medians; "other" is whatever else ran on the ${os.cpus().length}-core machine meanwhile.)`,
    '',
    noise,
    '',
    'Ours against the bare Fastify + pg server (median req/s and p99 of the same rounds):',
    table(ratioRows),
    '',
    `Memory: ours peaked at ${mib(Number.isFinite(peak) ? peak : undefined)} MiB RSS (target < ${TARGET_RSS_MIB}).`,
    '',
    headroom.length
      ? `Load generator headroom (one round per scenario against ${LABEL.raw}):\n${headroom.map((l) => `  ${l}`).join('\n')}`
      : 'Load generator headroom: not checked (--no-loadgen-check).',
    '',
    problems.length
      ? `Problems:\n${problems.map((p) => `  ${p}`).join('\n')}`
      : 'Problems: none (no socket errors, no timeouts, no answers ≥ 400, nothing logged by the servers).',
  ].join('\n');
  return { text, ratios, targets };
}
