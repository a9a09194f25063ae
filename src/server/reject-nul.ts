import type { FastifyInstance } from 'fastify';
import { AppError, httpErrors } from '../errors/index.js';

/** Whether a string, or any string inside an object or array (to a depth of 8), holds a NUL character. */
function hasNul(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (depth > 8 || value === null || typeof value !== 'object') return false;
  for (const v of Object.values(value)) if (hasNul(v, depth + 1)) return true;
  return false;
}

/**
 * Throws a 400 when a NUL character is in the URL or any of `values`: PostgreSQL text cannot hold one (it would
 * be a 500), and no legitimate value carries one. Fastify's hook (below) and the fast lanes both check with this.
 */
export function refuseNul(url: string, ...values: unknown[]): void {
  if (/%00/.test(url) || values.some((v) => hasNul(v)))
    throw new AppError(httpErrors.ERR_BAD_REQUEST, 'NUL characters are not allowed in a request.');
}

/** Refuses NUL characters anywhere in the path, query or parsed body, before any route sees them. */
export function rejectNul(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    refuseNul(request.url, request.params, request.query, request.body);
  });
}
