import { cookieName, createSession, createUser, csrfTokenFor, SESSION_COOKIE } from '../../src/accounts/index.js';
import type { TestApp } from './test-app.js';

export interface TestUser {
  userId: string;
  sessionId: string;
  /** The session JWT itself: valid only as the session cookie (as `Authorization: Bearer` it is refused). */
  token: string;
  /** `Cookie` header value: `oauth3_session=<jwt>` (`__Host-oauth3_session` over https). */
  cookie: string;
  /** CSRF token for this session: form field `_csrf` or header `x-csrf-token`. */
  csrf: string;
  /** Ready-made headers for state-changing fetches: cookie + x-csrf-token. */
  headers: Record<string, string>;
}

/**
 * A signed-in person for API tests that need no browser: creates the account and a session through the real
 * accounts functions (same rows, JWT, audit events as a passkey sign-up, minus the ceremony).
 */
export async function createTestUser(app: Pick<TestApp, 'ctx'>): Promise<TestUser> {
  const { ctx } = app;
  const meta = { ip: '127.0.0.1', userAgent: 'test-user' };
  const { userId, session } = await ctx.db.transaction().execute(async (trx) => {
    const user = await createUser(trx);
    await ctx.audit.record(trx, {
      action: 'account.signed_up',
      actor: { type: 'user', id: user.id },
      userId: user.id,
      ...meta,
      detail: { via: 'test' },
    });
    return { userId: user.id, session: await createSession(ctx, trx, { userId: user.id, meta, via: 'test' }) };
  });
  const cookie = `${cookieName(ctx.config, SESSION_COOKIE)}=${session.token}`;
  const csrf = csrfTokenFor(ctx.masterKey, `session:${session.sessionId}`);
  return { userId, sessionId: session.sessionId, token: session.token, cookie, csrf, headers: { cookie, 'x-csrf-token': csrf } };
}
