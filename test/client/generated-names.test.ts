// Clients generated from openapi.yaml read cleanly: @hey-api/openapi-ts (run here, as a frontend
// would) gives one plain name per schema (no `TaskCreate2`, no `ErrorError`), none shadowing a
// JavaScript or TypeScript built-in (a schema named `Error` did), and its output compiles with
// `tsc --strict`. (orval 8 is checked by hand, see docs/CONTRACT-LINT.md: it needs Node 22.)
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';

const run = promisify(execFile);
const bin = (name: string) => join(process.cwd(), 'node_modules', '.bin', name);

/** The names a generated file exports (types, interfaces, consts, functions). */
function exportedNames(source: string): string[] {
  return [...source.matchAll(/^export (?:declare )?(?:type|interface|const|function|class|enum) ([A-Za-z_$][\w$]*)/gm)].map((m) => m[1]!);
}

const TYPESCRIPT_BUILTINS = [
  'Partial',
  'Required',
  'Readonly',
  'Record',
  'Pick',
  'Omit',
  'Exclude',
  'Extract',
  'NonNullable',
  'Parameters',
  'ConstructorParameters',
  'ReturnType',
  'InstanceType',
  'Awaited',
  'ThisType',
  'Uppercase',
  'Lowercase',
  'Capitalize',
  'Uncapitalize',
  'NoInfer',
  'PropertyKey',
  'ArrayLike',
  'PromiseLike',
  'Iterable',
  'Iterator',
];

t.test('@hey-api/openapi-ts: clean names, nothing shadowing a built-in, compiles with tsc --strict', async (t) => {
  const dir = t.testdir();
  const out = join(dir, 'client');
  await run(bin('openapi-ts'), ['-i', 'openapi.yaml', '-o', out], { timeout: 120_000 });
  const types = readFileSync(join(out, 'types.gen.ts'), 'utf8');
  const names = exportedNames(types);

  for (const name of [
    'Task',
    'TaskCreate',
    'TaskReplace',
    'TaskPatch',
    'TaskCompletion',
    'ApiError',
    'ErrorCode',
    'FieldError',
    'Health',
    'Readiness',
  ]) {
    t.ok(names.includes(name), `${name} is exported under its own name`);
  }
  t.same(
    names.filter((n) => /\d$/.test(n)),
    [],
    'no name suffixed with a number (TaskCreate2)',
  );
  t.same(
    names.filter((n) => /(\w{4,})\1/.test(n)),
    [],
    'no doubled name (ErrorError, BodyBody)',
  );
  t.equal(new Set(names).size, names.length, 'no name exported twice');
  const builtins = new Set([...Object.getOwnPropertyNames(globalThis), ...TYPESCRIPT_BUILTINS]);
  t.same(
    names.filter((n) => builtins.has(n)),
    [],
    'no name shadows a built-in (Error, Date, Response, Record …)',
  );

  // A frontend's code against it, strictly compiled: the clean names, a body without defaults, and
  // the built-in Error still itself next to the API's error type.
  writeFileSync(
    join(dir, 'use.ts'),
    `import type { ApiError, ErrorCode, Task, TaskCreate } from './client/types.gen.js';
import { createTask, listTasks } from './client/sdk.gen.js';
const body: TaskCreate = { title: 'Buy milk' };
const code: ErrorCode = 'validation_failed';
export async function demo(): Promise<Task[]> {
  const created = await createTask({ body, throwOnError: false });
  const failure: ApiError | undefined = created.error;
  if (failure && failure.error === code) throw new Error(failure.detail);
  const listed = await listTasks({ query: { status: 'all' } });
  return listed.data ?? [];
}
`,
  );
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        noEmit: true,
        target: 'ES2022',
        module: 'ESNext',
        moduleResolution: 'Bundler',
        lib: ['ES2022', 'DOM', 'DOM.Iterable'],
        types: [],
        skipLibCheck: false,
        noUncheckedIndexedAccess: true,
      },
      include: ['client', 'use.ts'],
    }),
  );
  const compiled = await run(bin('tsc'), ['-p', join(dir, 'tsconfig.json')], { timeout: 120_000 }).then(
    () => '',
    (error: { stdout?: string }) => error.stdout ?? String(error),
  );
  t.equal(compiled, '', 'tsc --strict: no errors');
});
