import * as oauth from 'oauth4webapi';
import { HttpError, TokenError } from '../client-errors.js';
import type { StoredCredentials } from '../stored-credentials.js';
import type { TokenStore } from '../token-store.js';
import { fetchWithRetry, type RetryOptions } from './fetch-with-retry.js';
import { isLoopbackHttp, oauthParts } from './oauth-endpoint.js';

/** What a token manager needs: the store, how early to refresh, and (for tests) fetch, clock and retries. */
export interface TokenManagerOptions {
  store: TokenStore;
  /** Refresh when the access token has less than this many seconds left; default 300 (5 minutes). */
  refreshMargin?: number;
  fetch?: typeof fetch;
  /** Seconds since the epoch; default the system clock. */
  now?: () => number;
  /** How the refresh request is retried on network errors, 429 and 5xx (default 3 retries from 500 ms). */
  retry?: Omit<RetryOptions, 'fetch' | 'retryNonIdempotent'>;
}

/** Keeps one stored login's access token fresh. */
export interface TokenManager {
  /** A valid access token: the stored one while it has more than the margin left, else a refreshed one. */
  getAccessToken(): Promise<string>;
  /** The stored credentials (TokenError `login_required` when there are none). */
  current(): Promise<StoredCredentials>;
  /**
   * Refreshes now, because a server refused the current token; when another process refreshed meanwhile, its
   * token is used with no network call.
   */
  refresh(): Promise<StoredCredentials>;
}

const loginRequired = (message: string, cause?: unknown) => new TokenError(message, { reason: 'login_required', cause });

/**
 * A token manager over `store`. A refresh is safe across processes: an in-process single flight, then the store's
 * lock, then the store is read again (if another process already refreshed, its token is used, no network call),
 * then the refresh grant (oauth4webapi) at the stored token endpoint with the stored client authentication and
 * `resource`; the new pair is saved only if the stored refresh token is still the one spent (else what is stored
 * wins). Nothing is ever deleted here: `invalid_grant` (and an expired token with no refresh token) is TokenError
 * `login_required` with the credentials left on disk (logout deletes, login overwrites), a 5xx or network error
 * is retried with backoff and then an HttpError, the credentials kept.
 */
export function createTokenManager(o: TokenManagerOptions): TokenManager {
  const { store } = o;
  const margin = o.refreshMargin ?? 300;
  const now = o.now ?? (() => Math.floor(Date.now() / 1000));
  let inflight: Promise<StoredCredentials> | undefined;

  const load = async () => {
    const c = await store.load();
    if (!c) throw loginRequired(`no login stored at ${store.location}: run oauth3 login`);
    return c;
  };
  const fresh = (c: StoredCredentials) => c.expires_at - now() > margin;

  const grant = async (c: StoredCredentials): Promise<StoredCredentials> => {
    const { as, client, auth } = oauthParts(c);
    const url = c.server.token_endpoint;
    const retrying: typeof fetch = (input, init) =>
      fetchWithRetry(input as string, init, { baseMs: 500, maxMs: 4000, ...o.retry, fetch: o.fetch, retryNonIdempotent: true });
    let res: Response;
    try {
      res = await oauth.refreshTokenGrantRequest(as, client, auth, c.refresh_token!, {
        additionalParameters: c.resource ? { resource: c.resource } : undefined,
        [oauth.customFetch]: retrying,
        [oauth.allowInsecureRequests]: isLoopbackHttp(url),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (e) {
      throw new HttpError(`cannot reach ${new URL(url).origin} to refresh the token (tried again, gave up): the login is kept`, {
        reason: 'network_error',
        status: 0,
        url,
        cause: e,
      });
    }
    if (res.status === 429 || res.status >= 500) {
      const body = await res.text().catch(() => '');
      throw new HttpError(`the token endpoint answered HTTP ${res.status} (tried again, gave up): the login is kept`, {
        reason: 'server_error',
        status: res.status,
        url,
        body,
      });
    }
    let t: oauth.TokenEndpointResponse;
    try {
      t = await oauth.processRefreshTokenResponse(as, client, res);
    } catch (e) {
      if (e instanceof oauth.ResponseBodyError && e.error === 'invalid_grant') {
        throw loginRequired(`${c.issuer} no longer accepts the stored login (invalid_grant): run oauth3 login`, e);
      }
      const code = e instanceof oauth.ResponseBodyError ? e.error : 'invalid_response';
      throw new TokenError(`refreshing the token at ${c.issuer} failed: ${code}`, {
        reason: code,
        detail: e instanceof oauth.ResponseBodyError ? e.error_description : (e as Error).message,
        cause: e,
      });
    }
    const at = now();
    return {
      ...c,
      access_token: t.access_token,
      token_type: t.token_type ?? c.token_type,
      refresh_token: t.refresh_token ?? c.refresh_token,
      expires_at: at + (typeof t.expires_in === 'number' ? t.expires_in : 3600),
      scope: typeof t.scope === 'string' ? t.scope : c.scope,
      refreshed_at: at,
    };
  };

  /** Under the lock: read again, use another's refresh, else refresh and save if nobody else did. */
  const locked = (refused?: string) =>
    store.withLock(async () => {
      const c = await load();
      const anotherRefreshed = refused !== undefined && c.access_token !== refused && c.expires_at > now();
      if (anotherRefreshed || (refused === undefined && fresh(c))) return c;
      if (!c.refresh_token) {
        if (refused === undefined && c.expires_at > now()) return c; // still valid, cannot be refreshed: use it
        throw loginRequired(`the token for ${c.issuer} has expired and cannot be refreshed: run oauth3 login`);
      }
      const next = await grant(c);
      const latest = await store.load();
      if (!latest) throw loginRequired(`the login for ${c.issuer} was removed meanwhile: run oauth3 login`);
      if (latest.refresh_token !== c.refresh_token) return latest; // someone else won: keep what is stored
      await store.save(next);
      return next;
    });

  const once = (refused?: string) => {
    inflight ??= locked(refused).finally(() => (inflight = undefined));
    return inflight;
  };

  return {
    async getAccessToken() {
      const c = await load();
      if (fresh(c)) return c.access_token;
      return (await once()).access_token;
    },
    current: load,
    async refresh() {
      const c = await load();
      return once(c.access_token);
    },
  };
}
