import type { Principal } from '../kernel/index.js';

/** The browser session a request carries (from the session cookie), after verification. */
export interface AccountSession {
  id: string;
  userId: string;
  principal: Principal;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling; set by `requireUser` (session cookie or bearer token). */
    principal: Principal | null;
    /** The verified session cookie, if any; set for every request by the accounts module. */
    accountSession: AccountSession | null;
    /** CSRF token bound to the session (or, before sign-in, to this browser); forms send it as `_csrf`. */
    csrfToken: string | undefined;
    /** How the signed-in person is named in the header (username, else email), set on pages by `requireUser`. */
    accountLabel: string | undefined;
    /** Why the request's session cookie was refused (expired, revoked, bad signature…), if it was. */
    sessionRejection: string | undefined;
  }
}
