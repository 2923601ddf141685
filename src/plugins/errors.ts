// One place that turns every failure into the contract's Error body: stable codes, no stack
// traces or SQL, 5xx details generic. Also sets the JSON body parser (JSON only, else 415).
import fp from 'fastify-plugin';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, errorBody, serviceUnavailable, type ErrorCode, type FieldError } from '../errors.js';
import { isDatabaseUnavailable } from '../db/unavailable.js';
import { fieldErrors } from '../contract/field-errors.js';

const NULL_BODY = Object.assign(new Error('the body is null'), {
  statusCode: 422,
  validationContext: 'body',
  validation: [{ instancePath: '', schemaPath: '#/type', keyword: 'type', params: { type: 'object' }, message: 'must be object' }],
});

export default fp(
  async (app) => {
    // Only application/json bodies are accepted; any other media type is a 415.
    // An empty body counts as no body (e.g. a toggle sent with a JSON content type).
    const parseJson = app.getDefaultJsonParser('error', 'error');
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
      if (body === '') return done(null, undefined);
      parseJson(request, body as string, (error, value) => {
        // Fastify hands validators `null` for "no body", so a JSON null must be refused here.
        if (!error && value === null) return done(NULL_BODY, undefined);
        done(error, value);
      });
    });

    app.setNotFoundHandler((request, reply) =>
      send(request, reply, new ApiError(404, 'route_not_found', `There is no route ${request.method} ${request.url.split('?', 1)[0]}.`)),
    );

    app.setErrorHandler((error: FastifyError, request, reply) => send(request, reply, toApiError(error, request, app.initialConfig.bodyLimit)));
  },
  { name: 'errors' },
);

function send(request: FastifyRequest, reply: FastifyReply, error: ApiError) {
  return reply
    .code(error.status)
    .headers(error.headers)
    .type('application/json; charset=utf-8')
    .send(errorBody(error.status, error.code, error.detail, request.id, error.errors));
}

function toApiError(error: FastifyError, request: FastifyRequest, bodyLimit: number | undefined): ApiError {
  if (error instanceof ApiError) return error;
  if (error.validation) {
    const errors: FieldError[] = fieldErrors(error.validation as never, error.validationContext);
    const summary = errors.map((e) => `${e.in}${e.field ? `.${e.field}` : ''} ${e.message}`).join('; ');
    return new ApiError(422, 'validation_failed', `The request is invalid: ${summary}.`, {}, errors);
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
