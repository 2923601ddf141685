// Graceful close of the HTTP side. Once app.close() starts (SIGTERM/SIGINT, see server.ts), the
// listening socket is closed (no new connections) and every response carries `Connection: close`,
// so each open connection ends after the answer it is getting or the next one it asks for: a
// request that arrives on an open keep-alive connection during the drain is served, not reset.
// Connections left idle for `idleGraceMs` are closed then (and again every `idleGraceMs`), and
// app.close() resolves when the last connection is gone; the database closes after that.
//
// A drain can begin before app.close(): server.ts calls app.beginDrain() on SIGTERM, then waits
// DRAIN_DELAY_SECONDS with the listener still open while /ready answers 503 `draining`
// (app.draining), so a balancer's health check takes the process out of rotation before new
// connections would be refused.
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyInstance {
    /** True from beginDrain() or app.close() on: /ready answers 503, responses carry Connection: close. */
    readonly draining: boolean;
    beginDrain(): void;
  }
}

export interface DrainOptions {
  idleGraceMs: number;
}

export default fp<DrainOptions>(
  async (app, { idleGraceMs }) => {
    let closing = false;
    let reaper: NodeJS.Timeout | undefined;

    app.decorate('draining', { getter: () => closing });
    app.decorate('beginDrain', () => {
      closing = true;
    });
    app.addHook('preClose', async () => {
      closing = true;
      reaper = setInterval(() => app.server.closeIdleConnections(), idleGraceMs);
      reaper.unref();
    });
    app.addHook('onClose', async () => {
      clearInterval(reaper);
    });
    // On every response: a plain callback hook, no promise per response.
    app.addHook('onSend', (_request, reply, payload, done) => {
      if (closing) reply.header('connection', 'close');
      done(null, payload);
    });
  },
  // After unread-body: its onSend removes the `Connection: close` Fastify sets after an unread body,
  // and while shutting down this plugin's onSend, running after it, must set it again.
  { name: 'drain', dependencies: ['unread-body'] },
);
