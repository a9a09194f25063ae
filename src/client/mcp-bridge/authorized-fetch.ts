import { isLoginRequired } from '../client-errors.js';

/** What an authorized fetch needs of a token manager: a fresh bearer, and a refresh when the server refused one. */
export interface BearerSource {
  /** A valid access token (refreshed ahead of its expiry); TokenError `login_required` when there is no usable login. */
  getAccessToken(): Promise<string>;
  /** Refreshes now (the server refused the current token); TokenError `login_required` when only a new login helps. */
  refresh(): Promise<unknown>;
}

/** A fetch with the bearer added: the MCP SDK's `FetchLike`. */
export type AuthorizedFetch = (url: string | URL, init?: RequestInit) => Promise<Response>;

/**
 * A fetch that adds `Authorization: Bearer` from `tokens` and, when the server answers 401, refreshes once and
 * sends the request once more (a 401 again is returned as is). Nothing else is retried: a JSON-RPC call that
 * reached the server is never sent twice for a 5xx. When the tokens say a login is needed (nothing stored, or the
 * refresh token was refused), `login` runs (once, however many requests are waiting for it) and the request goes
 * on with the new token; without `login` the TokenError is thrown.
 */
export function authorizedFetch(o: { tokens: BearerSource; login?: () => Promise<unknown>; fetch?: typeof fetch }): AuthorizedFetch {
  const base = o.fetch ?? fetch;
  let loggingIn: Promise<unknown> | undefined;
  const loginOnce = () => {
    loggingIn ??= o.login!().finally(() => (loggingIn = undefined));
    return loggingIn;
  };
  /** Runs a token step; a login-required answer logs in (when allowed) and runs the step again. */
  const orLogin = async <T>(step: () => Promise<T>): Promise<T> => {
    try {
      return await step();
    } catch (e) {
      if (!o.login || !isLoginRequired(e)) throw e;
      await loginOnce();
      return step();
    }
  };
  const send = (url: string | URL, init: RequestInit | undefined, token: string) => {
    const headers = new Headers(init?.headers);
    headers.set('authorization', `Bearer ${token}`);
    return base(url, { ...init, headers });
  };
  return async (url, init) => {
    const token = await orLogin(() => o.tokens.getAccessToken());
    const first = await send(url, init, token);
    if (first.status !== 401) return first;
    await first.body?.cancel();
    // Another request may have refreshed meanwhile: then its token is used, with no second refresh.
    const again = await orLogin(async () => {
      const current = await o.tokens.getAccessToken();
      if (current !== token) return current;
      await o.tokens.refresh();
      return o.tokens.getAccessToken();
    });
    return send(url, init, again);
  };
}
