import * as oauth from 'oauth4webapi';
import {
  clientAuth,
  dialectRequestOptions,
  dialectResponseOptions,
  oauthClient,
  upstreamRequestOptions,
  type EndpointResolver,
  type OAuthProvider,
} from './providers/index.js';
import { UpstreamError, type Upstream, type UpstreamTokens } from './upstream.js';

/** How long an upstream refresh or revocation may take in all (discovery included) before it counts as "unavailable" (ms). */
export const UPSTREAM_TIMEOUT_MS = 10_000;

/** The longest `Retry-After` of an upstream the vault honours (s): a bigger one is read as this. */
const MAX_RETRY_AFTER_S = 600;

/** Options of `oauthUpstream`. */
export interface OAuthUpstreamOptions {
  /** The deadline of one call, discovery included (default UPSTREAM_TIMEOUT_MS). */
  timeoutMs?: number;
}

/** The provider's request options for a POST to `url` under the call's deadline (loopback-only plain http, its dialect). */
function postOptions(provider: OAuthProvider, url: string, signal: AbortSignal) {
  return dialectRequestOptions(provider, upstreamRequestOptions(url, signal));
}

/** A response's `Retry-After` in seconds (delta-seconds or an HTTP date), capped; undefined when absent or unreadable. */
export function retryAfterSeconds(res: Response | undefined, now = Date.now()): number | undefined {
  const v = res?.headers.get('retry-after')?.trim();
  if (!v) return undefined;
  const s = /^\d+$/.test(v) ? Number(v) : Math.ceil((Date.parse(v) - now) / 1000);
  return Number.isFinite(s) && s > 0 ? Math.min(s, MAX_RETRY_AFTER_S) : undefined;
}

/** An upstream that refused the gateway (4xx but invalid_grant): the provider's configuration, not the person's grant. */
const configuration = (status: number, cause: string, res?: Response) =>
  new UpstreamError('unavailable', cause, { configuration: status < 500, retryAfter: retryAfterSeconds(res) });

/**
 * Classifies a failed upstream call: `invalid_grant` (the grant was revoked or expired: RFC 6749 §5.2) means connect
 * again; a 5xx, a timeout or a network error means the upstream is unavailable. Other refusals (`invalid_client`,
 * `unauthorized_client`, any other 4xx) are a configuration problem of the provider entry: unavailable too (never
 * "connect again": the person can do nothing about it), marked `configuration` so it is logged as one. The cause
 * is a short text safe to store and show: an OAuth error code, an HTTP status, never a body or a token.
 */
export function classifyUpstreamFailure(e: unknown): UpstreamError {
  if (e instanceof UpstreamError) return e;
  if (e instanceof oauth.ResponseBodyError) {
    if (e.error === 'invalid_grant' && e.status < 500) return new UpstreamError('invalid_grant', `invalid_grant (HTTP ${e.status})`);
    return configuration(e.status, `${safeCode(e.error)} (HTTP ${e.status})`, e.response);
  }
  if (e instanceof oauth.WWWAuthenticateChallengeError) {
    const code = e.cause.map((c) => c.parameters.error).find((x) => x !== undefined);
    if (code === 'invalid_grant' && e.status < 500) return new UpstreamError('invalid_grant', `invalid_grant (HTTP ${e.status})`);
    return configuration(e.status, `${code ? safeCode(code) : 'challenge'} (HTTP ${e.status})`, e.response);
  }
  if (e instanceof oauth.OperationProcessingError) {
    const res = e.cause instanceof Response ? e.cause : undefined;
    if (res) return configuration(res.status, `HTTP ${res.status}`, res);
    return new UpstreamError('unavailable', 'unexpected answer');
  }
  const name = (e as Error | undefined)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return new UpstreamError('unavailable', 'timeout');
  if (e instanceof TypeError && e.message === 'fetch failed') return new UpstreamError('unavailable', 'network error');
  return new UpstreamError('unavailable', 'unexpected failure');
}

/** An OAuth error code as the upstream sent it, if it looks like one (RFC 6749 §5.2: %x20-21 / %x23-5B / %x5D-7E); else `error`. */
const safeCode = (code: string) => (/^[\x20-\x21\x23-\x5B\x5D-\x7E]{1,64}$/.test(code) ? code : 'error');

/** Resolves the provider's authorization server within the call's deadline (discovery has its own, longer one). */
async function serverOf(endpoints: EndpointResolver, provider: OAuthProvider, signal: AbortSignal): Promise<oauth.AuthorizationServer> {
  signal.throwIfAborted();
  let onAbort = () => undefined as void;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([
      endpoints.resolve(provider).catch(() => {
        throw new UpstreamError('unavailable', 'discovery failed');
      }),
      aborted,
    ]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/** The gateway's client authentication at the provider; a provider without the secret its method needs is a configuration problem. */
function authOf(provider: OAuthProvider): oauth.ClientAuth {
  try {
    return clientAuth(provider);
  } catch {
    throw new UpstreamError('unavailable', 'no client secret', { configuration: true });
  }
}

/**
 * The vault's upstream calls, with oauth4webapi against each provider's authorization server, each under one
 * deadline (discovery, the request and reading the answer), so a refresh never outlives its lease.
 */
export function oauthUpstream(endpoints: EndpointResolver, o: OAuthUpstreamOptions = {}): Upstream {
  const timeoutMs = o.timeoutMs ?? UPSTREAM_TIMEOUT_MS;
  return {
    async refresh(provider: OAuthProvider, refreshToken: string): Promise<UpstreamTokens> {
      let res: oauth.TokenEndpointResponse;
      try {
        const signal = AbortSignal.timeout(timeoutMs);
        const as = await serverOf(endpoints, provider, signal);
        const client = oauthClient(provider);
        const response = await oauth.refreshTokenGrantRequest(
          as,
          client,
          authOf(provider),
          refreshToken,
          postOptions(provider, as.token_endpoint!, signal),
        );
        res = await oauth.processRefreshTokenResponse(as, client, response, dialectResponseOptions(provider));
      } catch (e) {
        throw classifyUpstreamFailure(e);
      }
      return {
        accessToken: res.access_token,
        tokenType: res.token_type,
        ...(res.refresh_token ? { refreshToken: res.refresh_token } : {}),
        ...(res.id_token ? { idToken: res.id_token } : {}),
        ...(res.expires_in !== undefined ? { expiresIn: res.expires_in } : {}),
        ...(res.scope !== undefined ? { scope: res.scope } : {}),
      };
    },

    async revoke(provider: OAuthProvider, token: string, hint: 'refresh_token' | 'access_token'): Promise<boolean> {
      try {
        const signal = AbortSignal.timeout(timeoutMs);
        const as = await serverOf(endpoints, provider, signal);
        if (!as.revocation_endpoint) return false;
        const response = await oauth.revocationRequest(as, oauthClient(provider), authOf(provider), token, {
          ...postOptions(provider, as.revocation_endpoint, signal),
          additionalParameters: { token_type_hint: hint },
        });
        await oauth.processRevocationResponse(response);
        return true;
      } catch (e) {
        throw classifyUpstreamFailure(e);
      }
    },
  };
}
