// Turns ajv's errors into the contract's FieldError entries, with messages a person can read:
// one entry per field (its most basic failure: an empty title "must not be empty", not also "must
// not be blank"; a number "must be a string"), at most MAX_FIELD_ERRORS of them, field names cut to MAX_FIELD_LENGTH (openapi.yaml's
// FieldError and ApiError limits).
import type { ErrorObject } from 'ajv';
import type { FieldError } from '../errors.js';

const LOCATIONS: Record<string, FieldError['in']> = { body: 'body', params: 'path', querystring: 'query', headers: 'header' };

// The contract's header patterns (openapi.yaml, components.parameters), said in words.
const PATTERN_MESSAGES: Record<string, string> = {
  '^[!-~]+$': 'must be 1–255 visible ASCII characters',
  [String.raw`^\s*(\*|(W/)?"[!#-~]*"(\s*,\s*(W/)?"[!#-~]*")*)\s*$`]: 'must be * or a comma-separated list of entity tags such as "3"',
};

const MAX_FIELD_ERRORS = 50;
const MAX_FIELD_LENGTH = 200;
const NO_NUL = 'must not contain the NUL character (U+0000)';
/** Entries named in the 422's detail sentence; the rest are only in `errors`. */
const SUMMARIZED = 5;

export function fieldErrors(errors: readonly ErrorObject[], context: string | undefined): FieldError[] {
  const where = LOCATIONS[context ?? 'body'] ?? 'body';
  const byField = new Map<string, ErrorObject>();
  for (const e of errors) {
    // A query parameter is named as the client wrote it (`query.priority`), not by item index.
    const field = where === 'query' ? fieldOf(e).replace(/(\.\d+)+$/, '') : fieldOf(e);
    const kept = byField.get(field);
    if (kept ? rank(e) < rank(kept) : byField.size < MAX_FIELD_ERRORS) byField.set(field, e);
  }
  return [...byField].map(([field, e]) => ({ in: where, field, message: messageOf(e) }));
}

/** Of a field's failures the most basic one is named: missing, not allowed, or of the wrong type first. */
function rank(e: ErrorObject): number {
  const order = ['required', 'additionalProperties', 'type'].indexOf(e.keyword);
  return order < 0 ? 3 : order;
}

/** The entries as one sentence fragment: `body.title must not be empty; body.x is not allowed`. */
export function summarize(errors: readonly FieldError[]): string {
  const named = errors.slice(0, SUMMARIZED).map((e) => `${e.in}${e.field ? `.${e.field}` : ''} ${e.message}`);
  const more = errors.length - named.length;
  return named.join('; ') + (more > 0 ? `; and ${more} more` : '');
}

function fieldOf(e: ErrorObject): string {
  const base = e.instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  const params = e.params as Record<string, unknown>;
  if (e.keyword === 'required' && typeof params.missingProperty === 'string') base.push(params.missingProperty);
  if (e.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') base.push(params.additionalProperty);
  const field = base.join('.');
  // A client's unknown property name is named back, but never at any length.
  return field.length > MAX_FIELD_LENGTH ? `${field.slice(0, MAX_FIELD_LENGTH - 1)}…` : field;
}

function messageOf(e: ErrorObject): string {
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return e.message === 'a JSON body is required' ? e.message : 'is required';
    case 'additionalProperties':
      return 'is not allowed';
    case 'type': {
      const types = ([] as unknown[]).concat(params.type).map(String);
      return `must be ${types.map((t) => (t === 'null' ? 'null' : `a${/^[aeiou]/.test(t) ? 'n' : ''} ${t}`)).join(' or ')}`;
    }
    case 'minLength':
      return params.limit === 1 ? 'must not be empty' : `must be at least ${String(params.limit)} characters`;
    case 'maxLength':
      return `must be at most ${String(params.limit)} characters`;
    case 'pattern':
      if (params.pattern === '\\S') return 'must not be blank';
      if (params.pattern === '^[^\\u0000]*$') return NO_NUL;
      // UserId: `/api/tasks/…` is the caller-implied family, never a user's (openapi.yaml).
      if (params.pattern === '^(?!tasks$)') return 'must not be "tasks" (reserved: /api/tasks is the caller\'s own family)';
      // TaskTag in openapi.yaml.
      if (params.pattern === '^[^,]*[^,\\s][^,]*$') return 'must not be blank or contain a comma';
      return PATTERN_MESSAGES[String(params.pattern)] ?? `must match ${String(params.pattern)}`;
    case 'minItems':
    case 'maxItems':
      return `must have ${e.keyword === 'minItems' ? 'at least' : 'at most'} ${String(params.limit)} item${params.limit === 1 ? '' : 's'}`;
    case 'not':
      // The contract uses `not` only to keep U+0000 out of text (PostgreSQL cannot store it).
      return NO_NUL;
    case 'format':
      return params.format === 'uuid' ? 'must be a UUID' : `must be a valid ${String(params.format)}`;
    case 'enum':
      return `must be one of: ${(params.allowedValues as unknown[]).map(String).join(', ')}`;
    case 'minimum':
    case 'maximum':
      return `must be ${e.keyword === 'minimum' ? 'at least' : 'at most'} ${String(params.limit)}`;
    default:
      return e.message ?? 'is invalid';
  }
}
