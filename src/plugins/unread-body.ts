// An answer sent before the request body was read (413 body too large, 415, 401 on an upload …)
// leaves the rest of the body on the wire. Closing the connection then, while the client is still
// sending, makes the kernel reset it, and a reset can discard the answer before the client reads it
// (the client sees EPIPE or ECONNRESET instead of the 413). So the rest is read and thrown away, and
// the connection stays usable; only a client that sends more than UNREAD_BODY_DRAIN_BYTES after the
// answer has its connection cut, long after the answer reached it. (The request timeout bounds the
// time it may take.)
import fp from 'fastify-plugin';
import type { IncomingMessage } from 'node:http';
import { UNREAD_BODY_DRAIN_BYTES } from '../limits.js';

export default fp(
  async (app) => {
    app.addHook('onSend', (request, reply, payload, done) => {
      const raw = request.raw;
      // Injected requests (tests) have no socket; a body already read has nothing left to drain.
      if (raw.socket && !raw.complete && !raw.readableEnded) {
        // Fastify asks for `Connection: close` after a body it could not read; closing is what resets.
        // (While shutting down, the drain plugin, which depends on this one, sets it again.)
        reply.removeHeader('connection');
        drain(raw);
      }
      done(null, payload);
    });
  },
  { name: 'unread-body' },
);

function drain(raw: IncomingMessage): void {
  let left = UNREAD_BODY_DRAIN_BYTES;
  const onData = (chunk: Buffer) => {
    left -= chunk.length;
    if (left < 0) {
      raw.off('data', onData);
      raw.socket.destroy();
    }
  };
  raw.on('data', onData);
  raw.once('end', () => raw.off('data', onData));
}
