// The list's Link to its next page: the same filters (each in its query-string form,
// list-filters.ts), sort, order and limit, and the next page's cursor.
import { listFilters } from './list-filters.js';
import type { ListParams } from './list-params.js';

export function nextPageQuery(params: ListParams, cursor: string): URLSearchParams {
  const next = new URLSearchParams();
  for (const filter of listFilters) filter.query(params[filter.param], next);
  next.set('sort', params.sort);
  next.set('order', params.order);
  next.set('limit', String(params.limit));
  next.set('cursor', cursor);
  return next;
}
