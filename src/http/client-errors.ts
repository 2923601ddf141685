// Requests Node's HTTP parser refuses before any route runs (conflicting Content-Length and
// Transfer-Encoding, a malformed request line, headers over 16 KiB, a request that does not
// arrive in time) are answered here, in the contract's error shape, on the raw socket. Nothing of
// the request is echoed or logged: the parser's error carries the raw bytes, which may hold a token.
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';
import { errorBody, type ErrorCode } from '../errors.js';
import { CLIENT_ERROR_LINGER_MS } from '../limits.js';

interface ClientErrorAnswer {
  readonly status: number;
  readonly code: ErrorCode;
  readonly detail: string;
}

const TIMEOUT: ClientErrorAnswer = { status: 408, code: 'request_timeout', detail: 'The request did not arrive in time.' };
const HEADERS_TOO_LARGE: ClientErrorAnswer = {
  status: 431,
  code: 'headers_too_large',
  detail: 'The request headers are larger than 16 KiB.',
};
const MALFORMED: ClientErrorAnswer = { status: 400, code: 'bad_request', detail: 'The request is not valid HTTP/1.1.' };

function clientErrorAnswer(code: string | undefined): ClientErrorAnswer {
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return TIMEOUT;
  if (code === 'HPE_HEADER_OVERFLOW') return HEADERS_TOO_LARGE;
  return MALFORMED;
}

/**
 * The http server's 'clientError' listener: one answer, then the connection ends (its framing is
 * lost). The write side is closed at once and reading stops; the socket is destroyed CLIENT_ERROR_LINGER_MS later.
 * Destroying it at once, with the client's bytes still arriving, would reset the connection, and a
 * reset can discard the answer before the client reads it.
 */
export function answerClientError(log: FastifyBaseLogger, error: NodeJS.ErrnoException, socket: Socket): void {
  // A reset connection has nobody left to answer; a second parser error after the answer ends it.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const { status, code, detail } = clientErrorAnswer(error.code);
  const requestId = randomUUID();
  log.info({ event: 'client_error', reason: error.code ?? 'unknown', status, reqId: requestId }, 'request refused by the HTTP parser');
  const body = errorBody(status, code, detail, requestId);
  const json = JSON.stringify(body);
  socket.end(
    `HTTP/1.1 ${status} ${body.title}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(json)}\r\nX-Request-Id: ${requestId}\r\nConnection: close\r\n\r\n${json}`,
  );
  socket.pause();
  const linger = setTimeout(() => socket.destroy(), CLIENT_ERROR_LINGER_MS);
  linger.unref();
  socket.once('close', () => clearTimeout(linger));
}
