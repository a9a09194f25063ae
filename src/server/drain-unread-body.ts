import type { FastifyReply, FastifyRequest } from 'fastify';

/** How much of a body the server still reads after answering early, and for how long, before it hangs up. */
export interface DrainLimits {
  maxBytes: number;
  maxMs: number;
}

/** Enough for a client that simply sent too much (a few times the 1 MB default limit), not for a flood. */
export const DRAIN_LIMITS: DrainLimits = { maxBytes: 32 * 1024 * 1024, maxMs: 10_000 };

/**
 * Lets a client read an early answer (a 413 for a body over the limit, a 415…) while it is still sending the
 * body. Fastify answers such errors with `Connection: close`, and Node then destroys the socket with the body
 * unread: a client that is still writing (Node's fetch, curl) gets a connection reset instead of the answer.
 * Here the connection stays open and Node reads and discards the rest, so the client finishes sending and reads
 * the answer; past `maxBytes` more or `maxMs`, the socket is destroyed after all (the client is flooding).
 */
export function drainUnreadBody(request: FastifyRequest, reply: FastifyReply, limits: DrainLimits = DRAIN_LIMITS): void {
  const req = request.raw;
  if (req.complete || req.destroyed) return;
  reply.removeHeader('connection');
  let left = limits.maxBytes;
  const hangUp = () => {
    clearTimeout(timer);
    req.socket?.destroy();
  };
  const timer = setTimeout(hangUp, limits.maxMs).unref();
  req.on('data', (chunk: Buffer) => {
    left -= chunk.length;
    if (left < 0) hangUp();
  });
  req.once('end', () => clearTimeout(timer));
  req.once('close', () => clearTimeout(timer));
  req.resume();
}
