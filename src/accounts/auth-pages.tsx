import type { FastifyInstance } from 'fastify';
import { describeReturnTo, type AppContext } from '../kernel/index.js';
import { ConfirmStep, renderPage } from '../web/index.js';
import { LoginPage } from './pages/login-page.js';
import { signupPageRoute } from './signup-page-route.js';
import { requireCsrf } from './csrf.js';
import { safeReturnTo } from './require-user.js';
import { revokeSessions } from './sessions.js';
import { clearSessionCookie } from './session-cookie.js';
import { requestMeta } from './request-meta.js';

/** /login, /signup (passkey ceremonies run in the bundled script) and POST /logout. */
export async function authPages(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const hide = { schema: { hide: true } };

  app.get('/login', hide, async (request, reply) => {
    const query = request.query as Record<string, unknown>;
    const returnTo = safeReturnTo(query.return_to);
    // reauth=1: an app asked for a fresh sign-in (OpenID Connect prompt=login or max_age), so a session does not skip it.
    if (request.accountSession && query.reauth !== '1') return reply.redirect(returnTo, 302);
    return renderPage(reply, {
      title: 'Sign in',
      request,
      body: <LoginPage returnTo={returnTo} app={await describeReturnTo(ctx, returnTo)} />,
    });
  });

  app.get('/signup', hide, (request, reply) => signupPageRoute(ctx, request, reply));

  // A bare GET changes nothing (a link or a prefetch must not sign anyone out): it asks, and the button posts.
  app.get('/logout', hide, async (request, reply) => {
    const raw = (request.query as Record<string, unknown>).return_to;
    // "Not you?" on the consent page: sign out, then sign in as someone else and come back to the request.
    const returnTo = raw === undefined ? undefined : safeReturnTo(raw);
    if (!request.accountSession) return reply.redirect(returnTo ? `/login?return_to=${encodeURIComponent(returnTo)}` : '/login', 302);
    return renderPage(reply, {
      title: 'Sign out?',
      request,
      body: (
        <ConfirmStep
          action="/logout"
          csrfToken={request.csrfToken}
          consequences={[
            'This browser will be signed out. Your other devices stay signed in.',
            ...(returnTo ? ['Then you sign in with another account and come back to where you were.'] : []),
          ]}
          confirmLabel="Sign out"
          cancelHref={returnTo ?? '/account'}
          fields={returnTo ? { return_to: returnTo } : undefined}
        />
      ),
    });
  });

  app.post('/logout', { ...hide, preHandler: requireCsrf }, async (request, reply) => {
    const s = request.accountSession;
    if (s) await revokeSessions(ctx, { userId: s.userId, ids: [s.id], reason: 'signed out', meta: requestMeta(request) });
    clearSessionCookie(reply, ctx.config);
    const raw = (request.body as Record<string, unknown> | undefined)?.return_to;
    return reply.redirect(raw === undefined ? '/login' : `/login?return_to=${encodeURIComponent(safeReturnTo(raw))}`, 303);
  });
}
