// An upload over BODY_LIMIT is answered 413 as soon as the limit is passed, and the answer always
// reaches the client: the rest of the body is read and discarded instead of the connection being
// closed under a client that is still sending (which resets it: EPIPE/ECONNRESET, 413 lost).
// Over a real socket, chunked and with Content-Length, fast and slow, as a client that keeps
// sending after the answer does.
import net from 'node:net';
import t from 'tap';
import { assertMatchesContract, build, tokenFor } from '../helper.js';
import { parseAnswer, portOf } from '../support/raw-http.js';
import { UNREAD_BODY_DRAIN_BYTES } from '../../src/limits.js';

const app = await build(t);
await app.listen({ host: '127.0.0.1', port: 0 });
const port = portOf(app);
const token = tokenFor('upload-user');

interface Upload {
  chunked: boolean;
  /** Pause between 64 KiB writes (0: as fast as the socket takes them). */
  delayMs: number;
  total: number;
}

/** Sends the whole body whatever the server answers, then asks for /health on the same connection. */
function upload({ chunked, delayMs, total }: Upload): Promise<{ text: string; error?: string; sent: number; answeredAfter: number }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.setEncoding('latin1');
    let text = '';
    let error: string | undefined;
    let sent = 0;
    let answeredAfter = -1;
    socket.on('data', (data: string) => {
      text += data;
      if (answeredAfter < 0) answeredAfter = sent;
      if (/HTTP\/1\.1 200[\s\S]*"healthy"/.test(text)) socket.end();
    });
    socket.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
    socket.on('close', () => resolve({ text, sent, answeredAfter, ...(error ? { error } : {}) }));
    const framing = chunked ? 'Transfer-Encoding: chunked' : `Content-Length: ${total}`;
    socket.write(
      `POST /api/tasks HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\n${framing}\r\n\r\n`,
    );
    const chunk = Buffer.alloc(64 * 1024, 'a');
    void (async () => {
      while (sent < total && !socket.destroyed) {
        const piece = chunk.subarray(0, Math.min(chunk.length, total - sent));
        const flushed = socket.write(
          chunked ? Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]) : piece,
        );
        sent += piece.length;
        if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
        else if (!flushed) await new Promise((r) => socket.once('drain', r));
      }
      if (socket.destroyed) return;
      socket.write(`${chunked ? '0\r\n\r\n' : ''}GET /health HTTP/1.1\r\nHost: x\r\n\r\n`);
    })();
  });
}

const MiB = 1024 * 1024;
for (const chunked of [true, false]) {
  for (const delayMs of [0, 10]) {
    t.test(
      `1.1 MiB ${chunked ? 'chunked' : 'with Content-Length'}, ${delayMs ? 'slow' : 'fast'}: 413 read, whole body sent, connection still usable`,
      async (t) => {
        const total = Math.round(1.1 * MiB);
        for (let round = 0; round < (delayMs ? 1 : 5); round++) {
          const { text, error, sent, answeredAfter } = await upload({ chunked, delayMs, total });
          t.equal(error, undefined, 'no EPIPE / ECONNRESET');
          t.equal(sent, total, 'the client could send its whole body');
          const res = parseAnswer(text);
          t.equal(res.statusCode, 413);
          await assertMatchesContract('POST', '/api/tasks', res);
          t.match(res.json(), { error: 'payload_too_large', status: 413 });
          t.not(res.headers.connection, 'close');
          t.match(text, /HTTP\/1\.1 200 [\s\S]*"status":"healthy"/, 'the next request on the connection is served');
          if (delayMs) t.ok(answeredAfter < total / 2, `answered after ${answeredAfter} of ${total} bytes, not at the end`);
        }
      },
    );
  }
}

t.test(`a client sending more than ${UNREAD_BODY_DRAIN_BYTES / MiB} MiB after the 413 has its connection cut`, async (t) => {
  const { text, sent } = await upload({ chunked: true, delayMs: 0, total: UNREAD_BODY_DRAIN_BYTES * 4 });
  t.equal(parseAnswer(text).statusCode, 413, 'the 413 was read first');
  t.ok(sent < UNREAD_BODY_DRAIN_BYTES * 4, `cut after ${(sent / MiB).toFixed(1)} MiB`);
  t.notMatch(text, /healthy/);
});

t.test('nothing of the refused uploads was stored', async (t) => {
  const res = await app.inject({ method: 'GET', url: '/api/tasks', headers: { authorization: `Bearer ${token}` } });
  t.same(res.json(), []);
});
