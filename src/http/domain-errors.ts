// The one mapping from the services' domain errors (src/domain/errors.ts) to the contract's
// ApiError: status, stable code, detail and headers. src/plugins/errors.ts applies it to anything
// a handler throws.
import { ApiError } from '../errors.js';
import { DomainError, IdempotencyConflict, InvalidInput, NotFound, PreconditionFailed } from '../domain/errors.js';
import { versionEtag } from './etag.js';

const NOT_FOUND_DETAIL: Record<NotFound['resource'], string> = { task: 'Task not found.' };

export function httpErrorOf(error: DomainError): ApiError {
  if (error instanceof NotFound) return new ApiError(404, 'not_found', NOT_FOUND_DETAIL[error.resource]);
  if (error instanceof PreconditionFailed)
    return new ApiError(412, 'precondition_failed', 'The task has changed since the version in If-Match; fetch it again.', {
      etag: versionEtag(error.currentVersion),
    });
  if (error instanceof InvalidInput)
    return new ApiError(422, 'validation_failed', `The request is invalid: ${error.location}.${error.field} ${error.reason}.`, {}, [
      { in: error.location, field: error.field, message: error.reason },
    ]);
  if (error instanceof IdempotencyConflict)
    return error.conflict === 'key_in_progress'
      ? new ApiError(409, 'idempotency_key_in_progress', 'A request with this Idempotency-Key is still in progress; retry later.', {
          'retry-after': '1',
        })
      : new ApiError(422, 'idempotency_key_reused', 'This Idempotency-Key was already used for a different request.');
  throw new Error(`no HTTP form for ${error.name}`);
}
