// The breaking-change gate (`npm run contract:diff`, part of `npm run lint`): compares openapi.yaml
// with the last released contract, contract/released/openapi.yaml (`npm run contract:release`
// writes it), with Redocly's diff rules (contract/redocly-diff.yaml). It fails when
//   - a change can break a client (major): a removed operation or response field, a new required
//     request field or parameter, a removed enum value, a changed type, a narrowed constraint…;
//   - info.version is lower than the changes require (semver: minor for additions, patch for the rest);
//   - the contract changed and CHANGELOG.md has no `## <info.version>` section.
// An enum marked `x-open-enum: true` promises clients that values may be added (ErrorCode): a value
// added to it is minor, not major. With two arguments it compares those files and skips the CHANGELOG.
//
//   tsx scripts/contract-diff.ts [base revision]
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { parse } from 'yaml';

type Impact = 'none' | 'patch' | 'minor' | 'major';
interface Verdict {
  ruleId: string;
  impact: Impact;
  message: string;
  location?: { file: string; pointer: string };
}
interface Change {
  path: string;
  kind: string;
  impact: Impact;
  verdicts: Verdict[];
}
interface Report {
  infoVersions: { base: string; revision: string };
  changes: Change[];
}

const root = fileURLToPath(new URL('..', import.meta.url));
/** The last released contract, relative to the project's root. */
export const RELEASED = 'contract/released/openapi.yaml';
const RANK: Record<Impact, number> = { none: 0, patch: 1, minor: 2, major: 3 };
const redocly = createRequire(import.meta.url).resolve('@redocly/cli/bin/cli.js');

async function diff(base: string, revision: string): Promise<Report> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [redocly, 'diff', base, revision, '--format=json', '--fail-on=none', `--config=${path.join(root, 'contract/redocly-diff.yaml')}`],
    { encoding: 'utf8', env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_NOTIFICATIONS: 'true' }, maxBuffer: 64 << 20 },
  );
  return JSON.parse(stdout) as Report;
}

/** A verdict's impact under this project's policy: values added to an open enum are minor. */
function impactOf(verdict: Verdict): Impact {
  if (verdict.ruleId !== 'enum-values-added' || !verdict.location) return verdict.impact;
  const { file, pointer } = verdict.location;
  const schema = resolve(parse(readFileSync(path.resolve(file), 'utf8')), pointer.replace(/\/enum$/, ''));
  return (schema as { 'x-open-enum'?: unknown } | undefined)?.['x-open-enum'] === true ? 'minor' : verdict.impact;
}

function resolve(document: unknown, pointer: string): unknown {
  return pointer
    .replace(/^#\//, '')
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], document);
}

/** The version the changes require: the base version with the part named by `impact` bumped. */
function required(base: string, impact: Impact): number[] {
  const [major = 0, minor = 0, patch = 0] = base.split('.').map(Number);
  if (impact === 'major') return [major + 1, 0, 0];
  if (impact === 'minor') return [major, minor + 1, 0];
  if (impact === 'patch') return [major, minor, patch + 1];
  return [major, minor, patch];
}

const lower = (a: number[], b: number[]) => a[0]! - b[0]! || a[1]! - b[1]! || a[2]! - b[2]!;

export interface CheckOptions {
  /** CHANGELOG.md's text: it must have a section for the revision's version when anything changed. */
  changelog?: string;
  /** A deliberate new major version (`npm run contract:release -- --major`): breaking changes pass if info.version's major went up. */
  allowBreaking?: boolean;
}

export async function check(
  base: string,
  revision: string,
  { changelog, allowBreaking = false }: CheckOptions = {},
): Promise<{ ok: boolean; lines: string[] }> {
  const report = await diff(base, revision);
  const lines: string[] = [];
  let highest: Impact = 'none';
  for (const change of report.changes) {
    const impacts = change.verdicts.map(impactOf);
    const impact = change.verdicts.length > 0 ? impacts.reduce((a, b) => (RANK[a] >= RANK[b] ? a : b)) : change.impact;
    if (RANK[impact] > RANK[highest]) highest = impact;
    if (impact === 'patch') continue;
    const why = change.verdicts.map((v, i) => `${v.message} (${v.ruleId}${impacts[i] !== v.impact ? `, ${impacts[i]}: x-open-enum` : ''})`);
    lines.push(`${impact.padEnd(5)} ${change.kind} ${change.path}${why.length > 0 ? `\n      ${why.join('\n      ')}` : ''}`);
  }
  const { base: from, revision: to } = report.infoVersions;
  const need = required(from, highest);
  const problems: string[] = [];
  if (highest === 'major' && !allowBreaking) problems.push('a breaking change: clients of the released contract would break');
  if (lower(to.split('.').map(Number), need) < 0) {
    problems.push(`info.version is ${to}; the changes since ${from} (${highest}) need at least ${need.join('.')}`);
  }
  if (changelog !== undefined && report.changes.length > 0 && !new RegExp(`^## \\[?${to.replace(/\./g, '\\.')}\\b`, 'm').test(changelog)) {
    problems.push(`CHANGELOG.md has no "## ${to}" section for these changes`);
  }
  lines.push(`${base} ${from} → ${revision} ${to}: ${report.changes.length} change(s), the highest ${highest}.`);
  for (const problem of problems) lines.push(`FAIL: ${problem}`);
  return { ok: problems.length === 0, lines };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const [base, revision] = process.argv.slice(2);
  const result = await (base && revision
    ? check(base, revision)
    : check(RELEASED, 'openapi.yaml', { changelog: readFileSync(path.join(root, 'CHANGELOG.md'), 'utf8') }));
  console.log(result.lines.join('\n'));
  process.exit(result.ok ? 0 : 1);
}
