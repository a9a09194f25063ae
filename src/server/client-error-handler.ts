import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { httpErrors } from '../errors/index.js';

/** Node's codes of a request it could not take, and the answer each gets. */
function codeOf(err: NodeJS.ErrnoException): keyof typeof httpErrors {
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') return 'ERR_REQUEST_TIMEOUT';
  if (err.code === 'HPE_HEADER_OVERFLOW') return 'ERR_HEADERS_TOO_LARGE';
  return 'ERR_BAD_REQUEST';
}

/**
 * Fastify's `clientErrorHandler`: a request Node's parser refused (bad syntax, headers too large, too slow) gets one
 * answer in the gateway's error shape and the connection is closed. Unlike Fastify's default it says
 * `Connection: close`, so a keep-alive client does not send its next request on a socket that is going away (it
 * got a reset instead). Nothing is written to a socket already gone.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const code = codeOf(err);
  const { status, message } = httpErrors[code];
  const body = JSON.stringify({ error: code, message });
  if (socket.writable)
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  socket.destroy();
}
