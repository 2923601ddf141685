// The one error shape (components.schemas.Error in openapi.yaml) and the errors handlers throw.
import { STATUS_CODES } from 'node:http';
import type { components } from '../generated/openapi.js';
import { RETRY_AFTER_SECONDS } from './limits.js';

export type ErrorBody = components['schemas']['ApiError'];
export type ErrorCode = ErrorBody['error'];
export type FieldError = components['schemas']['FieldError'];

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    readonly detail: string,
    readonly headers: Readonly<Record<string, string>> = {},
    readonly errors?: FieldError[],
  ) {
    super(detail);
    this.name = 'ApiError';
  }
}

export function errorBody(status: number, code: ErrorCode, detail: string, requestId: string, errors?: FieldError[]): ErrorBody {
  return {
    error: code,
    detail,
    status,
    title: STATUS_CODES[status] ?? 'Error',
    request_id: requestId,
    ...(errors ? { errors } : {}),
  };
}

/** A reason not to start, reported as one line before the process exits. */
export class StartupError extends Error {
  override name = 'StartupError';
}

/** A method the path does not answer; `allowed` is what it does answer (src/contract/allowed-methods.ts). */
export const methodNotAllowed = (allowed: readonly string[]) =>
  new ApiError(405, 'method_not_allowed', 'This path does not answer this method; the Allow header lists the ones it does.', {
    allow: allowed.join(', '),
  });

export const serviceUnavailable = () =>
  new ApiError(503, 'service_unavailable', 'The database is unavailable; try again shortly.', {
    'retry-after': String(RETRY_AFTER_SECONDS),
  });

/** /ready during a graceful shutdown (src/plugins/drain.ts): take this process out of rotation. */
export const draining = () =>
  new ApiError(503, 'draining', 'The server is shutting down; send requests to another instance.', {
    'retry-after': String(RETRY_AFTER_SECONDS),
  });

/** Load shedding (src/plugins/load-shedding.ts): answered at once, before any work is done. */
export const overloaded = () =>
  new ApiError(503, 'overloaded', 'The server is overloaded; try again shortly.', {
    'retry-after': String(RETRY_AFTER_SECONDS),
  });
