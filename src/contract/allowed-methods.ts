// Which contract path a URL is, and the methods that path answers (405's Allow header), from
// generated/routes.ts. A URL two paths match is the more specific one's, as the router decides: at
// the first segment where they differ, a literal beats a parameter (`/api/tasks/stats` over
// `/api/tasks/{task_id}`, `/api/tasks/{task_id}` over `/api/{user_id}/tasks`).
import { routes } from '../../generated/routes.js';

const ORDER = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];

interface ContractPath {
  readonly path: string;
  /** Fastify's syntax, `/api/tasks/:task_id`. */
  readonly url: string;
  /** Each segment: a literal, or `undefined` for a parameter. */
  readonly segments: readonly (string | undefined)[];
  /** The path's methods in a fixed order, with HEAD wherever GET is (Fastify answers it). */
  readonly allow: readonly string[];
}

const segmentsOf = (path: string) => path.split('/').map((s) => (s.startsWith('{') ? undefined : s));

/** Most specific first: the first one a URL matches is its path. */
const paths: readonly ContractPath[] = [...new Set(routes.map((r) => r.path))]
  .map((path) => {
    const methods = routes.filter((r) => r.path === path).map((r) => r.method as string);
    return {
      path,
      url: routes.find((r) => r.path === path)!.url,
      segments: segmentsOf(path),
      allow: ORDER.filter((m) => methods.includes(m) || (m === 'HEAD' && methods.includes('GET'))),
    };
  })
  .sort((a, b) => moreSpecific(a.segments, b.segments));

function moreSpecific(a: readonly (string | undefined)[], b: readonly (string | undefined)[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if ((a[i] === undefined) !== (b[i] === undefined)) return a[i] === undefined ? 1 : -1;
  }
  return 0;
}

/** The contract path `url` (path and query as the request wrote them) is, if any. */
export function contractPathOf(url: string): ContractPath | undefined {
  const segments = url.split('?', 1)[0]!.split('/');
  return paths.find((p) => p.segments.length === segments.length && p.segments.every((s, i) => s === undefined || s === segments[i]));
}

/**
 * Methods the router would otherwise hand to a less specific path: `PUT /api/tasks/stats` would
 * reach `PUT /api/tasks/{task_id}` with `task_id` "stats". The contract plugin routes each of them
 * to the 405 of the more specific path. Only a path whose every URL the other path also matches
 * (literal where the other has a literal, any segment where the other has a parameter) shadows it.
 */
export function shadowedMethods(): { url: string; methods: string[]; allow: readonly string[] }[] {
  return paths.flatMap((specific) => {
    const methods = new Set<string>();
    for (const general of paths) {
      if (general === specific || general.segments.length !== specific.segments.length) continue;
      const covers = general.segments.every((s, i) => s === undefined || s === specific.segments[i]);
      if (covers) for (const m of general.allow) if (!specific.allow.includes(m)) methods.add(m);
    }
    return methods.size > 0 ? [{ url: specific.url, methods: [...methods], allow: specific.allow }] : [];
  });
}
