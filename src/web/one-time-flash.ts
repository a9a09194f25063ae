import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../kernel/index.js';
import { open, randomToken, seal, symmetricKey } from '../crypto/index.js';

/** A secret issued by an action (API token, client secret, delegation token), shown once after the redirect. */
export interface ShownSecret {
  /** What it is and what to do with it, e.g. "Delegation token: give it to the agent." */
  label: string;
  /** Named values, e.g. `[['client_id', …], ['client_secret', …]]`. */
  values: Array<[string, string]>;
}

/** What a page shows once after a form's redirect: what happened, and any secret it issued. */
export interface FlashMessage {
  ok?: string;
  error?: string;
  secret?: ShownSecret;
}

/** Sets and takes one-time flashes: the `set` before a 303, the `take` on the page that follows. */
export interface OneTimeFlash {
  /** Sets the flash for the page at `page` (the redirect's target) in the session `binding`. */
  set(reply: FastifyReply, binding: string, page: string, message: FlashMessage): void;
  /**
   * The flash for this session and this page, if any, fresh and not shown before; always clears the cookie, so a
   * reload shows nothing.
   */
  take(request: FastifyRequest, reply: FastifyReply, binding: string): FlashMessage;
}

const NAME = 'oauth3_flash';
const LIFETIME_S = 60;

/**
 * One-time flashes in an encrypted cookie (Post/Redirect/Get without putting a secret in the URL or a row): AES-GCM
 * under a key derived from the master key, bound to the session and the page (AAD) so it opens for nobody and
 * nowhere else, HttpOnly, living 60 s, cleared by the page that shows it, and remembered as shown (by its random
 * id, until it expires) so a replayed copy of the cookie shows nothing on this instance. Every instance can open it.
 */
export function oneTimeFlash(ctx: Pick<AppContext, 'masterKey' | 'config'>): OneTimeFlash {
  const key = symmetricKey(createHash('sha256').update('oauth3 flash v1\0').update(ctx.masterKey.bytes).digest());
  const keys = new Map([[key.id, key]]);
  const secure = ctx.config.publicUrl.startsWith('https:');
  const name = secure ? `__Host-${NAME}` : NAME;
  const options = { path: '/', httpOnly: true, sameSite: 'lax' as const, secure };
  /** Ids of flashes already shown, until they expire (at most one a redirect, for 60 s). */
  const shown = new Map<string, number>();
  return {
    set(reply, binding, page, message) {
      const body = { ...message, id: randomToken(16), exp: Date.now() + LIFETIME_S * 1000 };
      const sealed = seal(key, JSON.stringify(body), `flash:${binding}:${page}`);
      reply.setCookie(name, sealed, { ...options, maxAge: LIFETIME_S });
    },
    take(request, reply, binding) {
      const sealed = request.cookies[name];
      if (!sealed) return {};
      reply.clearCookie(name, options);
      const page = request.url.split('?')[0];
      try {
        const { exp, id, ...message } = JSON.parse(open(keys, sealed, `flash:${binding}:${page}`).toString('utf8')) as FlashMessage & {
          exp: number;
          id: string;
        };
        const now = Date.now();
        for (const [k, until] of shown) if (until <= now) shown.delete(k);
        if (exp <= now || shown.has(id)) return {};
        shown.set(id, exp);
        return message;
      } catch {
        return {}; // another session's, tampered with, or from an older master key: nothing to show
      }
    },
  };
}
