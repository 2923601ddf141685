// One place that turns every failure into the contract's ApiError body: stable codes, no stack
// traces or SQL, 5xx details generic, the request's input never echoed. Also sets the JSON body
// parser: JSON only (else 415), UTF-8 only (else 400, nothing stored).
import fp from 'fastify-plugin';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, errorBody, methodNotAllowed, serviceUnavailable, type ErrorCode, type FieldError } from '../errors.js';
import { contractPathOf } from '../contract/allowed-methods.js';
import { isDatabaseUnavailable } from '../db/unavailable.js';
import { DomainError } from '../domain/errors.js';
import { httpErrorOf } from '../http/domain-errors.js';
import { fieldErrors, summarize } from '../contract/field-errors.js';
import { MAX_PARAM_LENGTH } from '../limits.js';

const UTF8 = new TextDecoder('utf-8', { fatal: true });

const NULL_BODY = Object.assign(new Error('the body is null'), {
  statusCode: 422,
  validationContext: 'body',
  validation: [{ instancePath: '', schemaPath: '#/type', keyword: 'type', params: { type: 'object' }, message: 'must be object' }],
});

export default fp(
  async (app) => {
    // Only application/json bodies are accepted; any other media type is a 415.
    // An empty body counts as no body (e.g. a toggle sent with a JSON content type).
    // A `__proto__` or `constructor` key is kept as the own property JSON.parse makes of it (no
    // prototype is touched): the body schemas refuse it with 422 like any unknown property.
    const parseJson = app.getDefaultJsonParser('ignore', 'ignore');
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body: Buffer, done) => {
      if (body.length === 0) return done(null, undefined);
      let text: string;
      try {
        // Fatal: invalid UTF-8 is refused, not stored as U+FFFD.
        text = UTF8.decode(body);
      } catch {
        return done(new ApiError(400, 'malformed_json', 'The request body is not valid UTF-8.'), undefined);
      }
      parseJson(request, text, (error, value) => {
        // Fastify hands validators `null` for "no body", so a JSON null must be refused here.
        if (!error && value === null) return done(NULL_BODY, undefined);
        done(error, value);
      });
    });

    // A path the contract routes, asked with a method it does not route: 405 + Allow. Any other
    // path: 404. The path is not repeated back: input is never echoed.
    app.setNotFoundHandler((request, reply) => {
      const known = contractPathOf(request.url);
      if (known) return send(request, reply, methodNotAllowed(known.allow));
      return send(request, reply, new ApiError(404, 'route_not_found', 'There is no such route.'));
    });

    app.setErrorHandler((error: FastifyError, request, reply) =>
      send(request, reply, toApiError(error, request, app.initialConfig.bodyLimit)),
    );
  },
  { name: 'errors' },
);

/**
 * Fastify's `frameworkErrors` option: failures of the router itself, before any route or hook runs
 * (an undecodable path, a path parameter over the router's length limit).
 */
export function answerFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  reply.header('x-request-id', request.id);
  switch (error.code) {
    case 'FST_ERR_BAD_URL':
      return send(request, reply, new ApiError(400, 'bad_request', 'The request path is not valid percent-encoding.'));
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return send(request, reply, new ApiError(414, 'uri_too_long', `A path segment is longer than ${MAX_PARAM_LENGTH} characters.`));
  }
  request.log.error({ err: error }, 'unexpected router error');
  return send(request, reply, new ApiError(500, 'internal_error', 'An unexpected error occurred.'));
}

function send(request: FastifyRequest, reply: FastifyReply, error: ApiError) {
  return reply
    .code(error.status)
    .headers(error.headers)
    .type('application/json; charset=utf-8')
    .send(errorBody(error.status, error.code, error.detail, request.id, error.errors));
}

function toApiError(error: FastifyError, request: FastifyRequest, bodyLimit: number | undefined): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof DomainError) return httpErrorOf(error);
  if (error.validation) {
    const errors: FieldError[] = fieldErrors(error.validation as never, error.validationContext);
    return new ApiError(422, 'validation_failed', `The request is invalid: ${summarize(errors)}.`, {}, errors);
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError(413, 'payload_too_large', `The request body is larger than ${bodyLimit} bytes.`);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError(415, 'unsupported_media_type', 'Send the body as application/json.');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new ApiError(400, 'malformed_json', 'The request body is not valid JSON.');
  }
  if (isDatabaseUnavailable(error)) {
    request.log.warn({ err: error }, 'database unavailable');
    return serviceUnavailable();
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    return new ApiError(status, clientErrorCode(status), 'The request could not be processed.');
  }
  request.log.error({ err: error }, 'unexpected error');
  return new ApiError(500, 'internal_error', 'An unexpected error occurred.');
}

function clientErrorCode(status: number): ErrorCode {
  if (status === 404) return 'route_not_found';
  if (status === 413) return 'payload_too_large';
  if (status === 415) return 'unsupported_media_type';
  return 'bad_request';
}
