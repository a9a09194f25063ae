import type { FastifyRequest } from 'fastify';
import type { RequestMeta } from '../kernel/index.js';

/** The client IP (per the trustProxy setting) and user agent of a request. */
export function requestMeta(request: FastifyRequest): RequestMeta {
  const ua = request.headers['user-agent'];
  return { ip: request.ip ?? null, userAgent: typeof ua === 'string' ? ua.slice(0, 512) : null };
}
