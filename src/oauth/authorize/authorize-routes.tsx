import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { accountName, accountsErrors, requireCsrf, requireUser } from '../../accounts/index.js';
import type { AuthorizationServer } from '../authorization-server.js';
import { renderPage } from '../../web/index.js';
import { AccessDenied, AppError, ConsentRequired, LoginRequired } from '../../errors/index.js';
import {
  AuthorizeFatal,
  AuthorizeRedirectError,
  errorRedirect,
  parseAuthorizationRequest,
  type AuthorizationRequest,
} from './authorization-request.js';
import {
  approveAuthorization,
  consentGrantOf,
  redirectWithRememberedGrant,
  rememberedGrant,
  storedPartValues,
} from './approve-authorization.js';
import { ConsentPage } from './consent-page.js';
import { freshEnough, signedInAt } from './signed-in-at.js';

/**
 * GET /authorize (validates, then sends the browser to the consent page), GET /oauth/authorize/page (sign-in
 * with a passkey if needed, remembered consent, or the consent form) and POST /oauth/authorize/approve
 * (CSRF-protected; approve → code + state + iss, deny → access_denied). A bad client or redirect URI gets an
 * error page, never a redirect.
 */
export async function authorizeRoutes(app: FastifyInstance, as: AuthorizationServer): Promise<void> {
  const { ctx } = as;
  /** Answers an error meant for the client: a redirect when its redirect URI is vouched for, else a page with a link. */
  const answerRedirectError = (request: FastifyRequest, reply: FastifyReply, e: AuthorizeRedirectError): void => {
    const location = errorRedirect(ctx, e);
    if (e.automatic) {
      reply.redirect(location, 302);
      return;
    }
    renderPage(reply, {
      title: 'This authorization request was refused',
      request,
      status: 400,
      body: (
        <>
          <p class="flash flash-error" role="alert" data-testid="authorize-error">
            {e.error.error_description ?? e.error.error}. Nothing was shared.
          </p>
          <p>
            <a href={location} data-testid="return-to-app">
              Return to {new URL(e.redirectUri).host}
            </a>{' '}
            (the app is told what went wrong).
          </p>
        </>
      ),
    });
  };
  /** Validates, or answers the failure itself (error page or error redirect) and returns undefined. */
  const validate = async (request: FastifyRequest, reply: FastifyReply, input: unknown): Promise<AuthorizationRequest | undefined> => {
    try {
      return await parseAuthorizationRequest(as, input);
    } catch (e) {
      if (e instanceof AuthorizeRedirectError) {
        answerRedirectError(request, reply, e);
        return undefined;
      }
      if (e instanceof AuthorizeFatal) {
        renderPage(reply, {
          title: 'This authorization request is invalid',
          request,
          status: 400,
          body: (
            <p class="flash flash-error" role="alert" data-testid="authorize-error">
              {e.message}. Go back to the app and try again; nothing was shared.
            </p>
          ),
        });
        return undefined;
      }
      throw e;
    }
  };
  const queryString = (request: FastifyRequest) => request.url.slice(request.url.indexOf('?') + 1);

  const fail = (req: AuthorizationRequest, error: LoginRequired | ConsentRequired) =>
    new AuthorizeRedirectError(req.redirectUri, req.state, error, req.vouched);

  // OpenID Connect Core §3.1.2.1: prompt=none never shows a page (login_required when a sign-in would be needed);
  // prompt=login and a max_age the session's sign-in is older than send the person to sign in again first.
  app.get('/authorize', { schema: { hide: true } }, async (request, reply) => {
    const req = await validate(request, reply, request.query);
    if (!req) return reply;
    const page = `/oauth/authorize/page?${request.url.includes('?') ? queryString(request) : ''}`;
    const signedIn = await signedInAt(ctx, request);
    const fresh = signedIn !== undefined && freshEnough(req, signedIn);
    if (!fresh && req.prompts.includes('none')) {
      answerRedirectError(
        request,
        reply,
        fail(req, new LoginRequired(signedIn === undefined ? 'nobody is signed in' : 'the sign-in is too old for max_age')),
      );
      return reply;
    }
    if (signedIn !== undefined && !fresh) return reply.redirect(`/login?reauth=1&return_to=${encodeURIComponent(page)}`, 302);
    return reply.redirect(page, 302);
  });

  /** Consent is given in a browser session only: a bearer token (even the person's) cannot approve for them. */
  const browserSession = async (request: FastifyRequest) => {
    if (!request.accountSession || request.principal !== request.accountSession.principal)
      throw new AppError(accountsErrors.ERR_ACCOUNTS_SESSION_REQUIRED, 'Consent needs a signed-in browser session, not a bearer token.');
  };
  const signedIn = { schema: { hide: true }, preHandler: [requireUser(ctx, { page: true }), browserSession] };
  app.get('/oauth/authorize/page', signedIn, async (request, reply) => {
    const req = await validate(request, reply, request.query);
    if (!req) return reply;
    const userId = request.principal!.userId!;
    const remembered = req.prompts.includes('consent') ? undefined : await rememberedGrant(ctx.db, userId, req);
    const authTime = await signedInAt(ctx, request);
    if (remembered) return reply.redirect(await redirectWithRememberedGrant(ctx, req, userId, remembered, authTime), 302);
    if (req.prompts.includes('none')) {
      answerRedirectError(request, reply, fail(req, new ConsentRequired('the person has not approved this request')));
      return reply;
    }
    return renderPage(reply, {
      title: `Connect ${req.client.name}?`,
      request,
      focused: true,
      body: (
        <ConsentPage
          ctx={ctx}
          req={req}
          csrfToken={request.csrfToken}
          account={await accountName(ctx.db, request.accountSession!)}
          stored={await storedPartValues(ctx, await consentGrantOf(ctx.db, userId, req))}
          switchAccountHref={`/logout?return_to=${encodeURIComponent(request.url)}`}
        />
      ),
    });
  });

  app.post(
    '/oauth/authorize/approve',
    { schema: { hide: true }, preHandler: [requireUser(ctx, { page: true }), browserSession, requireCsrf] },
    async (request, reply) => {
      const body = { ...(request.body as Record<string, unknown>) };
      const decision = body.decision;
      delete body.decision;
      delete body._csrf;
      const req = await validate(request, reply, body);
      if (!req) return reply;
      if (decision !== 'approve') {
        return reply.redirect(
          errorRedirect(ctx, new AuthorizeRedirectError(req.redirectUri, req.state, new AccessDenied('the person denied the request'))),
          302,
        );
      }
      // The parts' values (the proxy's limits) are checked before anything is written: 400 naming what is wrong.
      const parts = ctx.registries.grantFormParts.all().map((part) => ({ part, value: part.parse(body, req.scopes) }));
      const location = await approveAuthorization(
        ctx,
        req,
        request.principal!.userId!,
        { ip: request.ip, userAgent: request.headers['user-agent'], authTime: await signedInAt(ctx, request) },
        parts,
      );
      return reply.redirect(location, 302);
    },
  );
}
