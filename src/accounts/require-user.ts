import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { AppContext } from '../kernel/index.js';
import { AppError, InvalidToken, OAuthError } from '../errors/index.js';
import { accountsErrors } from './accounts-errors.js';
import { formReturnTo } from './form-return-to.js';
import { getUser } from './users.js';
import './request-context.js';

export interface RequireUserOptions {
  /** A page: redirect to /login?return_to=… instead of answering 401; a bearer token is refused (403). */
  page?: boolean;
  /** Scope a bearer token must carry (sessions have every right of their person). */
  scope?: string;
  /**
   * The resource a bearer must be meant for (RFC 8707/9068). Default: the gateway's own API, so a token minted
   * for another resource is refused here (sessions and API tokens are the gateway's own: see VerifyOptions).
   */
  audience?: string;
}

/**
 * What a bearer may be. Never a session JWT (RFC 8725 §3.11, explicit typing): it is valid only as the session
 * cookie, where CSRF is checked; as a bearer it would skip CSRF and carry every right of its person unscoped.
 */
const BEARER_KINDS = ['access', 'api_token'] as const;

/**
 * Same-origin path (with query) to come back to after sign-in; anything else becomes /account. Printable ASCII
 * only (a path from request.url is percent-encoded): it goes into a Location header.
 */
export function safeReturnTo(value: unknown): string {
  return typeof value === 'string' && /^\/(?![/\\])[\x21-\x7e]*$/.test(value) && value.length < 2048 ? value : '/account';
}

/**
 * preHandler that sets `request.principal` from the session cookie or an `Authorization: Bearer` token (an access
 * token or a personal API token; a bearer must carry `scope` when given, else 403 insufficient_scope). Unauthenticated
 * pages are redirected to /login; API requests get 401 invalid_token with the RFC 9728 resource_metadata.
 */
export function requireUser(ctx: AppContext, o: RequireUserOptions = {}): preHandlerAsyncHookHandler {
  const resourceMetadata = `${ctx.config.publicUrl}/.well-known/oauth-protected-resource`;
  const audience = o.audience ?? ctx.resources.gatewayUrl;
  // RFC 6750 §3 / RFC 9728 §5.1: the challenge names where to discover the AS and, when known, the scope needed.
  const withMetadata = (e: OAuthError) => {
    e.wwwAuthenticate = { ...e.wwwAuthenticate, resource_metadata: resourceMetadata, ...(o.scope ? { scope: o.scope } : {}) };
    return e;
  };
  return async function requireUserHandler(request: FastifyRequest, reply: FastifyReply) {
    const auth = request.headers.authorization;
    // Pages and their forms are the browser session's: they check no scope and a bearer is exempt from CSRF, so a
    // bearer here (even with someone's session cookie beside it) would act with every right of its person.
    if (auth !== undefined && o.page)
      throw new AppError(
        accountsErrors.ERR_ACCOUNTS_SESSION_REQUIRED,
        'Pages need a signed-in browser session; with a bearer token use the JSON API under /api/v1.',
      );
    if (auth !== undefined) {
      const m = /^Bearer[ ]+(\S+)\s*$/i.exec(auth);
      if (!m) throw withMetadata(new InvalidToken('the Authorization header must be "Bearer <token>"'));
      try {
        request.principal = await ctx.tokens.verify(m[1], { kinds: BEARER_KINDS, audience, scope: o.scope, ip: request.ip });
      } catch (e) {
        throw e instanceof OAuthError ? withMetadata(e) : e;
      }
      return;
    }
    if (request.accountSession) {
      request.principal = request.accountSession.principal;
      // Pages name the person in the header ("signed in as …"); the API has no header to fill.
      if (o.page) {
        const user = await getUser(ctx.db, request.accountSession.userId);
        request.accountLabel = user?.username ?? user?.email ?? undefined;
      }
      return;
    }
    if (o.page) {
      // A form posted after the session ran out comes back to that form (303: the sign-in page is a GET).
      const back = safeReturnTo(formReturnTo(request));
      return reply.redirect(`/login?return_to=${encodeURIComponent(back)}`, request.method === 'GET' ? 302 : 303);
    }
    throw withMetadata(new InvalidToken(request.sessionRejection ?? 'sign in or send a bearer token'));
  };
}

/** requireUser for the gateway's own JSON API: a bearer must carry `scope` (and, as always, be meant for this gateway). */
export function requireApiUser(ctx: AppContext, scope: string): preHandlerAsyncHookHandler {
  return requireUser(ctx, { scope });
}
