// One access log line per request, at info, when the answer has been sent: the request (method, url,
// host, remote address and port), the status and the response time, with the request's reqId.
// Fastify's default writes two (an "incoming request" line and a "request completed" one), each a
// serialisation and a write to stdout, together a third of a get's server CPU at LOG_LEVEL=info.
// Everything else Fastify logs stays as it is.
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';

export class AccessLog extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (error) reply.log.error({ req: request, res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored');
    else reply.log.info({ req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }
}
