// What a service refuses, in the domain's terms: no HTTP status, header or error code here. One
// function, httpErrorOf() in src/http/domain-errors.ts, turns each of these into the contract's
// ApiError; the errors plugin calls it for whatever a handler throws.

export abstract class DomainError extends Error {}

/** The resource does not exist for this owner (another owner's is not found either). */
export class NotFound extends DomainError {
  override name = 'NotFound';
  constructor(readonly resource: 'task') {
    super(`${resource} not found`);
  }
}

/** A conditional write's versions do not include the resource's current one. */
export class PreconditionFailed extends DomainError {
  override name = 'PreconditionFailed';
  constructor(readonly currentVersion: number) {
    super(`the current version is ${currentVersion}`);
  }
}

/** An input the contract accepts in form but the service cannot use (a foreign cursor, cursor with offset). */
export class InvalidInput extends DomainError {
  override name = 'InvalidInput';
  constructor(
    readonly location: 'query' | 'body' | 'path' | 'header',
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${location}.${field} ${reason}`);
  }
}

/** Why an Idempotency-Key cannot be used now: its first request is still running, or it named another request. */
export type KeyConflict = 'key_in_progress' | 'key_reused';

export class IdempotencyConflict extends DomainError {
  override name = 'IdempotencyConflict';
  constructor(readonly conflict: KeyConflict) {
    super(conflict);
  }
}
