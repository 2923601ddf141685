// Turns ajv's errors into the contract's FieldError entries, with messages a person can read.
import type { ErrorObject } from 'ajv';
import type { FieldError } from '../errors.js';

const LOCATIONS: Record<string, FieldError['in']> = { body: 'body', params: 'path', querystring: 'query' };

export function fieldErrors(errors: readonly ErrorObject[], context: string | undefined): FieldError[] {
  const where = LOCATIONS[context ?? 'body'] ?? 'body';
  const out: FieldError[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    // A query parameter is named as the client wrote it (`query.priority`), not by item index.
    const field = where === 'query' ? fieldOf(e).replace(/(\.\d+)+$/, '') : fieldOf(e);
    const entry = { in: where, field, message: messageOf(e) };
    const key = `${entry.field}\u0000${entry.message}`;
    if (!seen.has(key)) out.push(entry);
    seen.add(key);
  }
  return out;
}

function fieldOf(e: ErrorObject): string {
  const base = e.instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  const params = e.params as Record<string, unknown>;
  if (e.keyword === 'required' && typeof params.missingProperty === 'string') base.push(params.missingProperty);
  if (e.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') base.push(params.additionalProperty);
  return base.join('.');
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
      // TaskTag in openapi.yaml.
      if (params.pattern === '^[^,]*[^,\\s][^,]*$') return 'must not be blank or contain a comma';
      return `must match ${String(params.pattern)}`;
    case 'minItems':
    case 'maxItems':
      return `must have ${e.keyword === 'minItems' ? 'at least' : 'at most'} ${String(params.limit)} item${params.limit === 1 ? '' : 's'}`;
    case 'not':
      // The contract uses `not` only to keep U+0000 out of text (PostgreSQL cannot store it).
      return 'must not contain the NUL character (U+0000)';
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
