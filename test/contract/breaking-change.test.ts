// The breaking-change gate (scripts/contract-diff.ts, run by `npm run lint`) fed contracts derived
// from openapi.yaml: each breaking change fails, naming the Redocly rule that found it, even under a
// new major version; compatible changes pass with a minor bump (so the rules are on: without them
// Redocly rates every change minor or patch), and fail without one.
import t from 'tap';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { check } from '../../scripts/contract-diff.js';

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- free-form edits of a parsed YAML document

const dir = mkdtempSync(path.join(tmpdir(), 'contract-diff-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

const current = parse(readFileSync('openapi.yaml', 'utf8')) as Doc;
const base = path.join(dir, 'base.yaml');
writeFileSync(base, stringify({ ...current, info: { ...current.info, version: '1.4.2' } }));

/** The gate's verdict on `base` against a copy of it changed by `edit`, at `version`. */
function gate(name: string, version: string, edit: (doc: Doc) => void) {
  const doc = structuredClone(current);
  doc.info.version = version;
  edit(doc);
  const revision = path.join(dir, `${name}.yaml`);
  writeFileSync(revision, stringify(doc));
  return check(base, revision).then(({ ok, lines }) => ({ ok, output: lines.join('\n') }));
}

const breaking: [string, string, (doc: Doc) => void][] = [
  [
    'a removed response field',
    'property-removed',
    (doc) => {
      delete doc.components.schemas.Task.properties.tags;
      doc.components.schemas.Task.required = doc.components.schemas.Task.required.filter((f: string) => f !== 'tags');
    },
  ],
  [
    'a new required request field',
    'required-properties-added',
    (doc) => {
      doc.components.schemas.TaskCreate.properties.color = { type: 'string', maxLength: 16 };
      doc.components.schemas.TaskCreate.required.push('color');
    },
  ],
  ['a removed enum value', 'enum-values-removed', (doc) => void (doc.components.schemas.TaskPriority.enum = ['low', 'high'])],
  ['a removed operation', 'operation-removed', (doc) => void delete doc.paths['/api/tasks/{task_id}'].delete],
  ['a value added to a closed response enum', 'enum-values-added', (doc) => doc.components.schemas.TaskPriority.enum.push('urgent')],
];

const compatible: [string, (doc: Doc) => void][] = [
  [
    'an added optional request field',
    (doc) => void (doc.components.schemas.TaskCreate.properties.color = { type: 'string', maxLength: 16 }),
  ],
  [
    'an added operation',
    (doc) =>
      void (doc.paths['/api/tasks/{task_id}/archive'] = {
        parameters: structuredClone(doc.paths['/api/tasks/{task_id}'].parameters),
        post: { ...structuredClone(doc.paths['/api/tasks/{task_id}'].get), operationId: 'archiveTask' },
      }),
  ],
  ['a new error code (ErrorCode is x-open-enum)', (doc) => doc.components.schemas.ErrorCode.enum.push('gone_fishing')],
];

// Every comparison starts at once (each is a Redocly process); the subtests read their verdicts.
const breakingVerdicts = breaking.map(([, rule, edit]) => gate(rule, '2.0.0', edit));
const compatibleVerdicts = compatible.map(([, edit], i) => gate(`compatible-${i}`, '1.5.0', edit));
const unbumped = gate('unbumped', '1.4.2', compatible[1]![1]);

breaking.forEach(([what, rule], i) => {
  t.test(`${what} fails, even as a new major version`, async (t) => {
    const { ok, output } = await breakingVerdicts[i]!;
    t.notOk(ok, output);
    t.match(output, `(${rule}`, 'the rule that found it is named');
    t.match(output, 'FAIL: a breaking change');
  });
});

compatible.forEach(([what], i) => {
  t.test(`${what} passes as a minor version`, async (t) => {
    const { ok, output } = await compatibleVerdicts[i]!;
    t.ok(ok, output);
    t.match(output, 'the highest minor');
  });
});

t.test('an addition without a version bump fails', async (t) => {
  const { ok, output } = await unbumped;
  t.notOk(ok, output);
  t.match(output, 'FAIL: info.version is 1.4.2; the changes since 1.4.2 (minor) need at least 1.5.0');
});
