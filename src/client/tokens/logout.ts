import * as oauth from 'oauth4webapi';
import { HttpError, TokenError } from '../client-errors.js';
import type { TokenStore } from '../token-store.js';
import { fetchWithRetry } from './fetch-with-retry.js';
import { isLoopbackHttp, oauthParts } from './oauth-endpoint.js';

/** What a logout did. */
export interface LogoutResult {
  /** The issuer logged out of. */
  issuer: string;
  /** True when the server revoked the tokens (RFC 7009); false when it has no revocation endpoint, or with `force`. */
  revoked: boolean;
  /** Why the tokens could not be revoked, when they were not. */
  warning?: string;
}

/**
 * Logs out of the stored login: under the store's lock, revokes the refresh token and then the access token at
 * the stored revocation endpoint (RFC 7009), then deletes the stored credentials. A logout never leaves a usable
 * token on disk silently: when the server cannot be reached or refuses, nothing is deleted and the HttpError says
 * so, unless `force` (then the file is deleted and `warning` says the tokens stay valid until they expire). A server
 * with no revocation endpoint: deleted, with a warning.
 */
export async function logout(o: { store: TokenStore; force?: boolean; fetch?: typeof fetch }): Promise<LogoutResult> {
  return o.store.withLock(async () => {
    const c = await o.store.load();
    if (!c) throw new TokenError(`no login stored at ${o.store.location}`, { reason: 'login_required' });
    const url = c.server.revocation_endpoint;
    let revoked = false;
    let warning: string | undefined;
    if (!url) {
      warning = `${c.issuer} offers no revocation: the tokens stay valid until they expire`;
    } else {
      const { as, client, auth } = oauthParts(c);
      try {
        for (const [token, hint] of [
          [c.refresh_token, 'refresh_token'],
          [c.access_token, 'access_token'],
        ] as const) {
          if (!token) continue;
          const res = await oauth.revocationRequest(as, client, auth, token, {
            additionalParameters: { token_type_hint: hint },
            [oauth.customFetch]: (input, init) =>
              fetchWithRetry(input as string, init, { fetch: o.fetch, retryNonIdempotent: true, retries: 2 }),
            [oauth.allowInsecureRequests]: isLoopbackHttp(url),
            signal: AbortSignal.timeout(20_000),
          });
          if (res.status !== 200) {
            const body = await res.text().catch(() => '');
            throw new HttpError(`${c.issuer} refused to revoke the ${hint.replace('_', ' ')} (HTTP ${res.status})`, {
              reason: 'revocation_failed',
              status: res.status,
              url,
              body,
            });
          }
          await oauth.processRevocationResponse(res);
        }
        revoked = true;
      } catch (e) {
        const why = e instanceof HttpError ? e.message : `cannot reach ${new URL(url).origin} to revoke the tokens`;
        if (!o.force) {
          throw new HttpError(`${why}: the login is kept at ${o.store.location}; try again, or use --force to delete it anyway`, {
            reason: 'revocation_failed',
            status: e instanceof HttpError ? e.status : 0,
            url,
            cause: e,
          });
        }
        warning = `${why}: deleted anyway (--force); the tokens stay valid at the server until they expire`;
      }
    }
    await o.store.remove();
    return { issuer: c.issuer, revoked, warning };
  });
}
