// The model-based isolation test's commands: fast-check generators (arbitraries) for random
// command sequences over every task operation in both route families. model-runner.ts sends them
// and compares the answers with the model (model-state.ts); test/security/model.test.ts drives it.
//
// Each sequence gets fresh users (the names below, suffixed with a per-process tag and the
// sequence number), so sequences share one app and one database without seeing each other.
// Every title a user writes starts with that user's random marker, so "no byte of another
// user's data" can be checked by substring: no response to X may contain another user's
// marker, task id or user id.
import fc from 'fast-check';
import { v2Fields, v2ListQuery, type V2Fields, type V2ListQuery } from './model-fields.js';

/** The users of every sequence; the last two have characters that need care in a path. */
export const USER_NAMES = ['alice', 'bob', 'user.with-dash_1', 'd a/n%a+ü@x?#'] as const;
export const USERS = USER_NAMES.length;

/** Where a task id comes from; resolved when the command runs, since the server assigns ids. */
export type TargetKind =
  | 'own' // an id the acting user created in this sequence (one still alive, if any)
  | 'other' // an id another user of this sequence created: the isolation attack
  | 'stranger' // an id some user of an earlier sequence created (still alive)
  | 'deleted' // an id deleted in this sequence, by anyone
  | 'random'; // a UUID nobody has
export interface Target {
  kind: TargetKind;
  pick: number;
  uuid: string;
}

export interface WritableFields extends V2Fields {
  /** The title after the actor's marker; the runner prepends the marker. */
  title?: string;
  description?: string | null;
  completed?: boolean;
}

export type ListQuery = V2ListQuery & { status?: 'all' | 'pending' | 'completed'; order?: 'asc' | 'desc'; limit?: number; offset?: number };

export type Op =
  | { op: 'list'; query: ListQuery }
  /** Every page by cursor; `foreign`: start from the cursor another user was last given, with that user's query. */
  | { op: 'walk'; query: ListQuery; foreign: boolean }
  | { op: 'stats' }
  | { op: 'create'; body: WritableFields & { title: string } }
  | { op: 'get'; target: Target }
  | { op: 'put'; target: Target; body: WritableFields & { title: string } }
  | { op: 'patch'; target: Target; body: WritableFields }
  | { op: 'toggle'; target: Target }
  | { op: 'complete'; target: Target; completed: boolean }
  | { op: 'delete'; target: Target };

export interface Command {
  /** Index into USER_NAMES: who sends the request (the token's subject). */
  actor: number;
  family: 'tasks' | 'user';
  /** Per-user family only: null for the actor's own id in the path, else k for the (k+1)-th next user (403). */
  foreignPath: number | null;
  op: Op;
}

// Text without U+0000: the contract refuses it (422, PostgreSQL text cannot hold it; see
// test/tasks/operations-rejected.test.ts), and the model generates valid writes only.
const text = (maxLength: number) =>
  fc
    .oneof(
      { arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: maxLength * 2 }), weight: 2 },
      { arbitrary: fc.string({ unit: 'grapheme', maxLength }), weight: 2 },
      { arbitrary: fc.string({ unit: 'binary', maxLength }), weight: 1 },
    )
    .map((s) => s.replaceAll('\u0000', ''));
// Markers are 19 code points; a 'grapheme' can be several code points, so keep these short.
const titleText = text(8);
const description = fc.oneof(text(40), fc.constant(null));
const target: fc.Arbitrary<Target> = fc.record({
  kind: fc.oneof(
    { arbitrary: fc.constant<TargetKind>('own'), weight: 6 },
    { arbitrary: fc.constant<TargetKind>('other'), weight: 4 },
    { arbitrary: fc.constant<TargetKind>('stranger'), weight: 1 },
    { arbitrary: fc.constant<TargetKind>('deleted'), weight: 1 },
    { arbitrary: fc.constant<TargetKind>('random'), weight: 1 },
  ),
  pick: fc.nat(),
  uuid: fc.uuid(),
});
const withV2 = <T extends object>(base: fc.Arbitrary<T>) => fc.tuple(base, v2Fields).map(([a, b]) => ({ ...a, ...b }));
const replaceBody = withV2(
  fc.record({ title: titleText, description, completed: fc.boolean() }, { requiredKeys: ['title'], noNullPrototype: true }),
);
const patchBody = withV2(
  fc.record({ title: titleText, description, completed: fc.boolean() }, { requiredKeys: [], noNullPrototype: true }),
);
const listQuery: fc.Arbitrary<ListQuery> = fc
  .tuple(
    fc.record(
      {
        status: fc.constantFrom('all', 'pending', 'completed'),
        order: fc.constantFrom('asc', 'desc'),
        limit: fc.integer({ min: 1, max: 4 }),
        offset: fc.integer({ min: 0, max: 3 }),
      },
      { requiredKeys: [], noNullPrototype: true },
    ),
    v2ListQuery,
  )
  .map(([a, b]) => ({ ...a, ...b }));
// Walks: small pages (so they take several) and few filters (so they have tasks to walk), sometimes all of listQuery's.
const walkQuery: fc.Arbitrary<ListQuery> = fc
  .tuple(
    fc.oneof(
      {
        arbitrary: fc.record(
          {
            status: fc.constantFrom('all', 'pending', 'completed'),
            order: fc.constantFrom('asc', 'desc'),
            sort: fc.constantFrom('created_at', 'updated_at', 'title', 'priority', 'due_at'),
          },
          { requiredKeys: [], noNullPrototype: true },
        ),
        weight: 3,
      },
      { arbitrary: listQuery, weight: 1 },
    ),
    fc.integer({ min: 1, max: 2 }),
  )
  .map(([query, limit]) => ({ ...query, offset: undefined, limit }));

const op: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: replaceBody.map((body) => ({ op: 'create' as const, body })), weight: 3 },
  { arbitrary: listQuery.map((query) => ({ op: 'list' as const, query })), weight: 2 },
  { arbitrary: fc.record({ query: walkQuery, foreign: fc.boolean() }).map((c) => ({ op: 'walk' as const, ...c })), weight: 1 },
  { arbitrary: fc.constant({ op: 'stats' as const }), weight: 1 },
  { arbitrary: target.map((t) => ({ op: 'get' as const, target: t })), weight: 2 },
  { arbitrary: fc.record({ target, body: replaceBody }).map((c) => ({ op: 'put' as const, ...c })), weight: 2 },
  { arbitrary: fc.record({ target, body: patchBody }).map((c) => ({ op: 'patch' as const, ...c })), weight: 2 },
  { arbitrary: target.map((t) => ({ op: 'toggle' as const, target: t })), weight: 2 },
  { arbitrary: fc.record({ target, completed: fc.boolean() }).map((c) => ({ op: 'complete' as const, ...c })), weight: 2 },
  { arbitrary: target.map((t) => ({ op: 'delete' as const, target: t })), weight: 2 },
);

export const command: fc.Arbitrary<Command> = fc.record({
  actor: fc.nat({ max: USERS - 1 }),
  family: fc.constantFrom('tasks', 'user'),
  foreignPath: fc.oneof({ arbitrary: fc.constant(null), weight: 6 }, { arbitrary: fc.nat({ max: USERS - 2 }), weight: 1 }),
  op,
});

/** Usually a first task for a user, so that there is something to use and to attack. */
const firstCreate = (actor: number): fc.Arbitrary<Command | null> =>
  fc.option(
    fc
      .record({ family: fc.constantFrom('tasks', 'user'), body: replaceBody })
      .map(({ family, body }) => ({ actor, family, foreignPath: null, op: { op: 'create', body } })),
    { freq: 4 },
  );

/** Each user's first task (3 times in 4), then 1..maxCommands commands of any kind. */
export const sequence = (maxCommands: number): fc.Arbitrary<Command[]> =>
  fc
    .tuple(fc.tuple(...USER_NAMES.map((_, actor) => firstCreate(actor))), fc.array(command, { minLength: 1, maxLength: maxCommands }))
    .map(([creates, rest]) => [...creates.filter((c) => c !== null), ...rest]);
