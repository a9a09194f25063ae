import { createHash, createHmac } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { SymmetricKey } from '../crypto/index.js';
import { safeEqual } from '../crypto/index.js';
import { AppError } from '../errors/index.js';
import { accountsErrors } from './accounts-errors.js';
import './request-context.js';

/**
 * The CSRF token for a binding (`session:<id>` or `anon:<cookie>`): an HMAC under a key derived from the master
 * key, so every instance computes the same value and nothing needs storing.
 */
export function csrfTokenFor(masterKey: SymmetricKey, binding: string): string {
  const key = createHash('sha256').update('oauth3 csrf v1\0').update(masterKey.bytes).digest();
  return createHmac('sha256', key).update(binding).digest('base64url');
}

/**
 * preHandler for every state-changing cookie-authenticated request: the `_csrf` form field or the
 * `x-csrf-token` header must equal `request.csrfToken`. A request with an `Authorization` header is exempt:
 * `requireUser` then authenticates by that header alone (never the cookie), and a browser never attaches it cross-site. Refusals are ERR_ACCOUNTS_CSRF (403), audited as `csrf.rejected`.
 */
export async function requireCsrf(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
  if (request.headers.authorization !== undefined) return;
  const header = request.headers['x-csrf-token'];
  const body = request.body as Record<string, unknown> | undefined;
  const sent =
    typeof header === 'string' ? header : body && typeof body === 'object' && typeof body._csrf === 'string' ? body._csrf : undefined;
  if (!sent || !request.csrfToken || !safeEqual(sent, request.csrfToken)) {
    throw new AppError(
      accountsErrors.ERR_ACCOUNTS_CSRF,
      sent ? 'The CSRF token is wrong; reload the page and try again.' : 'The CSRF token is missing; reload the page and try again.',
    );
  }
}
