import type { FastifyReply } from 'fastify';
import type { Config } from '../config/index.js';

/** The session cookie (contract): value is the session JWT. Over https it is `__Host-oauth3_session`. */
export const SESSION_COOKIE = 'oauth3_session';
/** Anonymous CSRF cookie: binds the CSRF token of sign-in and sign-up forms to this browser. */
export const ANON_COOKIE = 'oauth3_anon';

const https = (config: Config) => config.publicUrl.startsWith('https:');
/** The attributes every cookie of the accounts shares: whole site, HttpOnly, SameSite=Lax, Secure over https. */
export const cookieBase = (config: Config) => ({ path: '/', httpOnly: true, sameSite: 'lax' as const, secure: https(config) });
const base = cookieBase;

/**
 * A cookie's name as set and read: over https with the `__Host-` prefix (RFC 6265bis §4.1.3.2), so a sibling
 * subdomain cannot plant or overwrite it (a planted session would be session fixation).
 */
export function cookieName(config: Config, name: string): string {
  return https(config) ? `__Host-${name}` : name;
}

/** Sets the HttpOnly, SameSite=Lax session cookie (Secure when the public URL is https), living as long as the JWT. */
export function setSessionCookie(reply: FastifyReply, config: Config, token: string, expiresAtMs: number): void {
  reply.setCookie(cookieName(config, SESSION_COOKIE), token, {
    ...base(config),
    maxAge: Math.max(1, Math.floor((expiresAtMs - Date.now()) / 1000)),
  });
}

export function clearSessionCookie(reply: FastifyReply, config: Config): void {
  reply.clearCookie(cookieName(config, SESSION_COOKIE), base(config));
}

export function setAnonCookie(reply: FastifyReply, config: Config, value: string): void {
  reply.setCookie(cookieName(config, ANON_COOKIE), value, base(config));
}
