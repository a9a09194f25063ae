import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config/index.js';
import { cookieBase, cookieName } from './session-cookie.js';

/** Carries an invite link's token from /signup to the sign-up ceremony, so it leaves the address bar (and the page script needs nothing). */
const INVITE_COOKIE = 'oauth3_invite';

/** Keeps the invitation an hour, time enough for the ceremony (its own expiry is checked on use). */
export function setInviteCookie(reply: FastifyReply, config: Config, token: string): void {
  reply.setCookie(cookieName(config, INVITE_COOKIE), token, { ...cookieBase(config), maxAge: 3600 });
}

export function clearInviteCookie(reply: FastifyReply, config: Config): void {
  reply.clearCookie(cookieName(config, INVITE_COOKIE), cookieBase(config));
}

/** The invitation of a sign-up request: the API's `invite_token` field, else the cookie /signup set. */
export function inviteOf(request: FastifyRequest, config: Config): string | undefined {
  const field = (request.body as { invite_token?: unknown } | undefined)?.invite_token;
  return typeof field === 'string' && field ? field : request.cookies[cookieName(config, INVITE_COOKIE)];
}
