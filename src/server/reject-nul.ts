import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors/index.js';

/** Whether a string, or any string inside an object or array (to a depth of 8), holds a NUL character. */
export function hasNul(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (depth > 8 || value === null || typeof value !== 'object') return false;
  for (const v of Object.values(value)) if (hasNul(v, depth + 1)) return true;
  return false;
}

/**
 * Refuses NUL characters anywhere in the path, query or parsed body with a 400, before any route sees them:
 * PostgreSQL text cannot hold them (it would be a 500), and no legitimate value carries one.
 */
export function rejectNul(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    if (/%00/.test(request.url) || hasNul(request.params) || hasNul(request.query) || hasNul(request.body)) {
      throw new AppError('ERR_BAD_REQUEST', 'NUL characters are not allowed in a request.');
    }
  });
}
