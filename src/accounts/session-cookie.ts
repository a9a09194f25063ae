import type { FastifyReply } from 'fastify';
import type { Config } from '../config/index.js';

/** The session cookie (contract): value is the session JWT. */
export const SESSION_COOKIE = 'oauth3_session';
/** Anonymous CSRF cookie: binds the CSRF token of sign-in and sign-up forms to this browser. */
export const ANON_COOKIE = 'oauth3_anon';

const base = (config: Config) => ({ path: '/', httpOnly: true, sameSite: 'lax' as const, secure: config.publicUrl.startsWith('https:') });

/** Sets the HttpOnly, SameSite=Lax session cookie (Secure when the public URL is https), living as long as the JWT. */
export function setSessionCookie(reply: FastifyReply, config: Config, token: string, expiresAtMs: number): void {
  reply.setCookie(SESSION_COOKIE, token, { ...base(config), maxAge: Math.max(1, Math.floor((expiresAtMs - Date.now()) / 1000)) });
}

export function clearSessionCookie(reply: FastifyReply, config: Config): void {
  reply.clearCookie(SESSION_COOKIE, base(config));
}

export function setAnonCookie(reply: FastifyReply, config: Config, value: string): void {
  reply.setCookie(ANON_COOKIE, value, base(config));
}
