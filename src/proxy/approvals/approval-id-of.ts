import type { FastifyRequest } from 'fastify';

/** The `Approval-Id` header of a proxied call (at most 64 characters of an id), or undefined. */
export function approvalIdOf(request: FastifyRequest): string | undefined {
  const v = request.headers['approval-id'];
  return typeof v === 'string' && v.length > 0 ? v.slice(0, 64) : undefined;
}
