// The list's keyset cursor: where the next page starts (the last row's sort key and id), bound to
// the filters and sort that produced it.
//
// Opaque to clients, not secret: base64url of [binding, key, id]. It holds no owner and needs no
// signature, because every query is owner-filtered (owned(), src/db/owned.ts): another user presenting it, or
// a forged one, can only start their own list somewhere. `binding` is a hash of the canonical
// filters (each filter's `canonical`, list-filters.ts) + sort + order, so a cursor reused with
// other ones is refused (InvalidInput, 422) instead of silently paging a different list. Every
// part is checked here, so no malformed value reaches SQL.
import { createHash } from 'node:crypto';
import { InvalidInput } from '../domain/errors.js';
import type { ListFilters, SortField } from './list-params.js';
import { listFilters } from './list-filters.js';

/** A row's position in the order: its sort key (as cursorKey() in list-order.ts gives it) and its id. */
export interface Position {
  key: string | null;
  id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// Timestamps as integer microseconds since 1970 (exact, unlike a JavaScript Date); the range is
// years 0000–9999, what an RFC 3339 date-time can say.
const MICROS = /^-?\d{1,18}$/;
const MIN_MICROS = -62_167_219_200_000_000n;
const MAX_MICROS = 253_402_300_799_999_999n;
const PRIORITIES = new Set(['low', 'medium', 'high']);

export function encodeCursor(filters: ListFilters, position: Position): string {
  return Buffer.from(JSON.stringify([bindingOf(filters), position.key, position.id])).toString('base64url');
}

/** The position a cursor names, or InvalidInput naming `query.cursor`. */
export function decodeCursor(cursor: string, filters: ListFilters): Position {
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor('is not a cursor this API issued');
  }
  if (!Array.isArray(parts) || parts.length !== 3) throw invalidCursor('is not a cursor this API issued');
  const [binding, key, id] = parts as unknown[];
  if (typeof id !== 'string' || !UUID.test(id) || !validKey(filters.sort, key)) throw invalidCursor('is not a cursor this API issued');
  if (binding !== bindingOf(filters)) {
    throw invalidCursor(
      'belongs to other filters or another sort: start again without it, or send the filters, sort and order it came with',
    );
  }
  return { key, id };
}

function validKey(sort: SortField, key: unknown): key is string | null {
  if (sort === 'due_at' && key === null) return true;
  if (typeof key !== 'string') return false;
  switch (sort) {
    case 'title':
      return key.length >= 1 && key.length <= 100 && !key.includes('\u0000');
    case 'priority':
      return PRIORITIES.has(key);
    default:
      return MICROS.test(key) && BigInt(key) >= MIN_MICROS && BigInt(key) <= MAX_MICROS;
  }
}

/** A short hash of everything that decides which tasks a list holds and in what order. */
function bindingOf(f: ListFilters): string {
  const canonical: unknown[] = [];
  for (const filter of listFilters) {
    const form = filter.canonical(f[filter.param]);
    if (form !== undefined) canonical.push(form);
  }
  canonical.push(f.sort, f.order);
  return createHash('sha256').update(JSON.stringify(canonical)).digest('base64url').slice(0, 16);
}

const invalidCursor = (message: string) => new InvalidInput('query', 'cursor', message);
