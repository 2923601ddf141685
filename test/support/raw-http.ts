// HTTP over a plain TCP socket, for requests no HTTP client would send (conflicting framing,
// undecodable paths, uploads that keep going after the answer) and for reading exactly what the
// server wrote. The parsed answer has the shape test/helper.ts's assertMatchesContract reads.
import net from 'node:net';
import type { FastifyInstance } from 'fastify';

export interface RawAnswer {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  json(): unknown;
}

/** Parses the first HTTP/1.1 response in `text` (Content-Length framed, as all of ours are). */
export function parseAnswer(text: string): RawAnswer {
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) throw new Error(`no complete response in ${JSON.stringify(text.slice(0, 200))}`);
  const [statusLine = '', ...lines] = text.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = Number(headers['content-length'] ?? 0);
  const body = Buffer.from(text.slice(end + 4), 'latin1')
    .subarray(0, length)
    .toString('utf8');
  return { statusCode: Number(statusLine.split(' ')[1]), headers, body, json: () => JSON.parse(body) };
}

export function portOf(app: FastifyInstance): number {
  return (app.server.address() as net.AddressInfo).port;
}

/** Sends `bytes`, then reads until the server closes the connection (or `waitMs` passes). */
export function exchange(port: number, bytes: string | Buffer, waitMs = 3_000): Promise<{ text: string; error?: string }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    let error: string | undefined;
    socket.setEncoding('latin1');
    socket.on('data', (data: string) => (text += data));
    socket.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
    const timer = setTimeout(() => socket.destroy(), waitMs);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(error === undefined ? { text } : { text, error });
    });
    socket.write(bytes);
  });
}
