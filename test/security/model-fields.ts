// The task model v2's part of the model-based isolation test (model-commands.ts, model-state.ts and model-runner.ts import it):
// generators for priority, due_at and tags in writes and for the list's filters and sorts, and
// what the API must answer for them: which tasks a filter keeps, in which order, the stats, and
// the fields after a write. Kept apart so other extensions of the model (versions) stay separate.
import fc from 'fast-check';
import type { Task, TaskStats } from '../support/types.js';

type Priority = Task['priority'];

export interface V2Fields {
  priority?: Priority;
  due_at?: string | null;
  tags?: string[];
}

// Instants far from now (so "overdue" cannot flip during a run), in several offsets.
const DUE = ['2020-01-01T00:00:00Z', '2020-01-01T05:30:00+05:30', '2099-06-30T23:59:59.5-02:00', '2150-01-01T00:00:00Z'];
// Tags that normalise onto each other, and characters LIKE treats specially.
const TAGS = ['Work', ' work ', 'HOME', 'x', 'a_b', '%', 'ü'];
const PRIORITIES: Priority[] = ['low', 'medium', 'high'];

export const v2Fields: fc.Arbitrary<V2Fields> = fc.record(
  {
    priority: fc.constantFrom(...PRIORITIES),
    due_at: fc.oneof(fc.constant(null), fc.constantFrom(...DUE)),
    tags: fc.subarray(TAGS, { maxLength: 4 }),
  },
  { requiredKeys: [], noNullPrototype: true },
);

export interface V2ListQuery {
  priority?: Priority[];
  tag?: string[];
  q?: string;
  due_before?: string;
  due_after?: string;
  overdue?: boolean;
  sort?: 'created_at' | 'updated_at' | 'title' | 'priority' | 'due_at';
}

// Search terms: ASCII only where case matters (Unicode case folding differs between locales), the
// LIKE metacharacters, and the marker prefix every user's titles carry (so a search for it would
// show any other user's task that leaked).
const QUERIES = ['a', 'E', '%', '_', '\\', ' ', '[[m:', 'zzz-none'];

export const v2ListQuery: fc.Arbitrary<V2ListQuery> = fc.record(
  {
    priority: fc.subarray(PRIORITIES, { minLength: 1 }),
    tag: fc.subarray(TAGS, { minLength: 1, maxLength: 2 }),
    q: fc.constantFrom(...QUERIES),
    due_before: fc.constantFrom('2050-01-01T00:00:00Z', '2200-01-01T00:00:00+01:00'),
    due_after: fc.constantFrom('2000-01-01T00:00:00Z', '2050-01-01T00:00:00Z'),
    overdue: fc.boolean(),
    sort: fc.constantFrom('created_at', 'updated_at', 'title', 'priority', 'due_at'),
  },
  { requiredKeys: [], noNullPrototype: true },
);

export const normalizeTags = (tags: readonly string[]) => [...new Set(tags.map((t) => t.trim().toLowerCase()))].sort();
const utc = (instant: string | null) => (instant === null ? null : new Date(instant).toISOString());

/** The v2 fields after a write: those the body names change, the others keep `current`'s (or the defaults). */
export function afterWrite(
  current: Pick<Task, 'priority' | 'due_at' | 'tags'> | undefined,
  body: V2Fields,
): Pick<Task, 'priority' | 'due_at' | 'tags'> {
  return {
    priority: body.priority ?? current?.priority ?? 'medium',
    due_at: body.due_at !== undefined ? utc(body.due_at) : (current?.due_at ?? null),
    tags: body.tags !== undefined ? normalizeTags(body.tags) : (current?.tags ?? []),
  };
}

/** The list's query string: `priority` comma-separated, `tag` repeated. */
export function listQueryString(query: object): string {
  const qs = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (key === 'priority') qs.set(key, (value as string[]).join(','));
    else if (key === 'tag') for (const tag of value as string[]) qs.append(key, tag);
    else qs.set(key, String(value));
  }
  return qs.toString();
}

/** Whether the task passes every v2 filter of the query. */
export function passesFilters(task: Task, q: V2ListQuery, now = Date.now()): boolean {
  const due = task.due_at === null ? null : Date.parse(task.due_at);
  if (q.priority && !q.priority.includes(task.priority)) return false;
  if (q.tag && !normalizeTags(q.tag).every((tag) => task.tags.includes(tag))) return false;
  if (q.q !== undefined) {
    const needle = q.q.toLowerCase();
    if (!task.title.toLowerCase().includes(needle) && !(task.description ?? '').toLowerCase().includes(needle)) return false;
  }
  if (q.due_before !== undefined && (due === null || due >= Date.parse(q.due_before))) return false;
  if (q.due_after !== undefined && (due === null || due <= Date.parse(q.due_after))) return false;
  if (q.overdue && (task.completed || due === null || due >= now)) return false;
  return true;
}

const RANK: Record<Priority, number> = { low: 0, medium: 1, high: 2 };

/**
 * The exact order of a sort whose key the model knows precisely (priority, due_at; ties by id),
 * or undefined for the others (timestamps: checked monotonic by the caller; title: the database's
 * collation).
 */
export function exactOrder(sort: V2ListQuery['sort'], order: 'asc' | 'desc'): ((a: Task, b: Task) => number) | undefined {
  const sign = order === 'asc' ? 1 : -1;
  const byId = (a: Task, b: Task) => sign * (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  if (sort === 'priority') return (a, b) => sign * (RANK[a.priority] - RANK[b.priority]) || byId(a, b);
  if (sort === 'due_at') {
    return (a, b) => {
      if ((a.due_at === null) !== (b.due_at === null)) return a.due_at === null ? 1 : -1; // none last, either order
      return sign * ((a.due_at === null ? 0 : Date.parse(a.due_at)) - (b.due_at === null ? 0 : Date.parse(b.due_at))) || byId(a, b);
    };
  }
  return undefined;
}

export function expectedStats(tasks: Task[], now = Date.now()): TaskStats {
  const completed = tasks.filter((t) => t.completed).length;
  const count = (p: Priority) => tasks.filter((t) => t.priority === p).length;
  return {
    total: tasks.length,
    completed,
    pending: tasks.length - completed,
    overdue: tasks.filter((t) => !t.completed && t.due_at !== null && Date.parse(t.due_at) < now).length,
    by_priority: { low: count('low'), medium: count('medium'), high: count('high') },
  };
}
