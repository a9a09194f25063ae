import { accountsErrors } from './accounts-errors.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../kernel/index.js';
import { randomToken } from '../crypto/index.js';
import { acceptsHtml } from '../web/index.js';
import { ANON_COOKIE, SESSION_COOKIE, cookieName, clearSessionCookie, setAnonCookie, setSessionCookie } from './session-cookie.js';
import { csrfTokenFor } from './csrf.js';
import { renewSession, touchSession } from './sessions.js';
import { requestMeta } from './request-meta.js';
import './request-context.js';

const TOUCH_EVERY_MS = 60_000;
/** Marks (in `touched`) a session that reached its absolute lifetime and is left to run out. */
const FINAL = Number.POSITIVE_INFINITY;

/** The `sub` of a token whose signature verified but which was refused later (revoked): whose log shows it. */
function subjectOfRevoked(token: string, reason: string): string | null {
  if (reason !== 'token revoked') return null;
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
    return typeof payload.sub === 'string' ? payload.sub : null;
  } catch {
    return null;
  }
}

/**
 * Resolves the session cookie on every request: verifies the JWT through the one verifier (signature, alg,
 * kid, expiry, revocation), renews it when fewer than `sessionRenewWithin` seconds remain, records last-seen
 * (at most once a minute), and sets `request.csrfToken`. A refused cookie is cleared and audited.
 */
export function installSessionHook(app: FastifyInstance, ctx: AppContext): void {
  app.decorateRequest('principal', null);
  app.decorateRequest('accountSession', null);
  app.decorateRequest('csrfToken', undefined);
  app.decorateRequest('sessionRejection', undefined);
  app.decorateRequest('accountLabel', undefined);
  const touched = new Map<string, number>();

  async function resolve(request: FastifyRequest, reply: FastifyReply, token: string): Promise<void> {
    const meta = requestMeta(request);
    let principal;
    try {
      principal = await ctx.tokens.verify(token, { kinds: ['session'] });
    } catch (e) {
      const reason = e instanceof Error ? e.message : 'malformed token';
      const userId = subjectOfRevoked(token, reason);
      request.sessionRejection = reason;
      ctx.audit.enqueue({
        action: 'session.rejected',
        result: 'failure',
        actor: { type: userId ? 'user' : 'anonymous', id: userId },
        userId,
        ...meta,
        detail: { reason },
      });
      clearSessionCookie(reply, ctx.config);
      return;
    }
    const sessionId = principal.tokenId;
    const userId = principal.userId!;
    request.accountSession = { id: sessionId, userId, principal };
    const now = Date.now();
    if (principal.expiresAt !== null && principal.expiresAt - now / 1000 < ctx.config.sessionRenewWithin) {
      const renewed =
        touched.get(sessionId) === FINAL
          ? undefined
          : await renewSession(ctx, { userId, sessionId, currentExpiresAt: principal.expiresAt, meta });
      if (!renewed)
        touched.set(sessionId, FINAL); // at its absolute lifetime: no renewal attempt on every request
      else {
        setSessionCookie(reply, ctx.config, renewed.token, renewed.expiresAt);
        request.accountSession.principal = { ...principal, expiresAt: Math.floor(renewed.expiresAt / 1000) };
        touched.set(sessionId, now);
      }
    } else if (now - (touched.get(sessionId) ?? 0) > TOUCH_EVERY_MS) {
      if (touched.size > 10_000) touched.clear();
      touched.set(sessionId, now);
      await touchSession(ctx.db, sessionId, meta);
    }
  }

  app.addHook('onRequest', async (request, reply) => {
    const token = request.cookies[cookieName(ctx.config, SESSION_COOKIE)];
    if (token) await resolve(request, reply, token);
    if (request.accountSession) {
      request.csrfToken = csrfTokenFor(ctx.masterKey, `session:${request.accountSession.id}`);
      return;
    }
    let anon = request.cookies[cookieName(ctx.config, ANON_COOKIE)];
    if (!anon || anon.length > 64) {
      // only page loads get one (never API, JWKS or static responses, which may be cached)
      if (request.method !== 'GET' || !acceptsHtml(request.headers.accept)) return;
      anon = randomToken(16);
      setAnonCookie(reply, ctx.config, anon);
    }
    request.csrfToken = csrfTokenFor(ctx.masterKey, `anon:${anon}`);
  });

  app.addHook('onError', async (request, _reply, error) => {
    if ((error as { code?: string }).code !== accountsErrors.ERR_ACCOUNTS_CSRF.code) return;
    const userId = request.accountSession?.userId ?? null;
    ctx.audit.enqueue({
      action: 'csrf.rejected',
      result: 'failure',
      actor: { type: userId ? 'user' : 'anonymous', id: userId },
      userId,
      ...requestMeta(request),
      detail: { method: request.method, route: request.routeOptions.url ?? request.url.split('?')[0] },
    });
  });
}
