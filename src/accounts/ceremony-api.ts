import type { FastifyInstance } from 'fastify';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { underPublicPath, type AppContext } from '../kernel/index.js';
import { requireCsrf } from './csrf.js';
import { safeReturnTo } from './require-user.js';
import { registrationOptions } from './registration.js';
import { authenticationOptions } from './authentication.js';
import { signIn, signUp } from './sign-in-actions.js';
import { setSessionCookie } from './session-cookie.js';
import { requestMeta } from './request-meta.js';
import { ceremonyOptionsSchema, credentialResponseSchema } from './api-schemas.js';
import { AppError } from '../errors/index.js';
import { signupRefusal } from './signup-refusal.js';
import { clearInviteCookie, inviteOf } from './invite-cookie.js';

/** An invitation, when OAUTH3_SIGNUP is invite or closed (the browser carries it in the cookie /signup set instead). */
const inviteField = { invite_token: { type: 'string', maxLength: 200 } } as const;
const finishBody = {
  type: 'object',
  properties: { response: credentialResponseSchema, returnTo: { type: 'string', maxLength: 2048 }, ...inviteField },
  required: ['response'],
} as const;
const signedIn = {
  type: 'object',
  properties: { userId: { type: 'string' }, redirect: { type: 'string' } },
  required: ['userId', 'redirect'],
} as const;
const docs = (summary: string) => ({
  tags: ['passkey ceremonies'],
  summary,
  description: 'Browser ceremony; needs the anonymous CSRF token (x-csrf-token) of the page.',
});

/** The sign-up and sign-in ceremonies used by the bundled script: options, then the authenticator's answer. */
export async function ceremonyApi(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const pre = { preHandler: requireCsrf };
  app.post(
    '/api/v1/signup/options',
    {
      ...pre,
      schema: { ...docs('Start a sign-up: registration options for a new discoverable passkey'), response: { 200: ceremonyOptionsSchema } },
    },
    async (request) => {
      const refused = await signupRefusal(ctx, ctx.db, inviteOf(request, ctx.config)); // before the authenticator is asked
      if (refused) throw new AppError(refused);
      return registrationOptions(ctx, {});
    },
  );

  app.post(
    '/api/v1/signup',
    { ...pre, schema: { ...docs('Finish a sign-up: creates the account and signs in'), body: finishBody, response: { 200: signedIn } } },
    async (request, reply) => {
      const body = request.body as { response: RegistrationResponseJSON; returnTo?: string };
      const s = await signUp(ctx, { response: body.response, meta: requestMeta(request), invite: inviteOf(request, ctx.config) });
      setSessionCookie(reply, ctx.config, s.token, s.expiresAt);
      clearInviteCookie(reply, ctx.config);
      return { userId: s.userId, redirect: underPublicPath(request.publicPath, safeReturnTo(body.returnTo)) };
    },
  );

  app.post(
    '/api/v1/signin/options',
    {
      ...pre,
      schema: { ...docs('Start a sign-in: options for a discoverable passkey (or autofill)'), response: { 200: ceremonyOptionsSchema } },
    },
    async () => authenticationOptions(ctx),
  );

  app.post(
    '/api/v1/signin',
    { ...pre, schema: { ...docs('Finish a sign-in with a passkey'), body: finishBody, response: { 200: signedIn } } },
    async (request, reply) => {
      const body = request.body as { response: AuthenticationResponseJSON; returnTo?: string };
      const s = await signIn(ctx, { response: body.response, meta: requestMeta(request) });
      setSessionCookie(reply, ctx.config, s.token, s.expiresAt);
      return { userId: s.userId, redirect: underPublicPath(request.publicPath, safeReturnTo(body.returnTo)) };
    },
  );
}
