import type { FastifyReply, FastifyRequest } from 'fastify';
import { describeReturnTo, type AppContext } from '../kernel/index.js';
import { renderPage } from '../web/index.js';
import { SignupPage } from './pages/signup-page.js';
import { InviteNeededPage } from './pages/invite-needed-page.js';
import { safeReturnTo } from './require-user.js';
import { signupRefusal } from './signup-refusal.js';
import { INVITE_PARAM } from './invites.js';
import { inviteOf, setInviteCookie } from './invite-cookie.js';

/**
 * GET /signup under OAUTH3_SIGNUP: open shows the sign-up page; otherwise an invite link (`?invite_token=`)
 * that is usable is kept in a cookie and the browser sent back to /signup without it (out of the address bar
 * and of later requests), and without a usable invitation the page says one is needed (403). The invitation is
 * spent only by the sign-up that succeeds.
 */
export async function signupPageRoute(ctx: AppContext, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const query = request.query as Record<string, unknown>;
  const returnTo = safeReturnTo(query.return_to);
  if (request.accountSession) return reply.redirect(returnTo, 302);
  if (ctx.config.signup !== 'open') {
    const fromLink = typeof query[INVITE_PARAM] === 'string' ? (query[INVITE_PARAM] as string) : undefined;
    const refused = await signupRefusal(ctx, ctx.db, fromLink ?? inviteOf(request, ctx.config));
    if (refused)
      return renderPage(reply, {
        title: 'Invitation needed',
        request,
        status: 403,
        body: <InviteNeededPage message={refused.message} returnTo={returnTo} />,
      });
    if (fromLink) {
      setInviteCookie(reply, ctx.config, fromLink);
      return reply.redirect(`/signup?return_to=${encodeURIComponent(returnTo)}`, 303);
    }
  }
  return renderPage(reply, {
    title: 'Create your account',
    request,
    body: <SignupPage returnTo={returnTo} app={await describeReturnTo(ctx, returnTo)} />,
  });
}
