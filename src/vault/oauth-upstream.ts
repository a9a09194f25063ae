import * as oauth from 'oauth4webapi';
import { clientAuth, oauthClient, upstreamRequestOptions, type EndpointResolver, type OAuthProvider } from './providers/index.js';
import { UpstreamError, type Upstream, type UpstreamTokens } from './upstream.js';

/** How long an upstream token or revocation call may take before it counts as "unavailable" (ms). */
const UPSTREAM_TIMEOUT_MS = 10_000;

/** The timeout and the loopback-only plain-http allowance of the providers' request options, for a POST. */
function postOptions(url: string): { signal?: AbortSignal; [oauth.allowInsecureRequests]?: boolean } {
  const o = upstreamRequestOptions(url, UPSTREAM_TIMEOUT_MS);
  return { signal: o.signal as AbortSignal, [oauth.allowInsecureRequests]: o[oauth.allowInsecureRequests] };
}

/**
 * Classifies a failed upstream call: `invalid_grant` (the grant was revoked or expired) means connect again; a 5xx,
 * a timeout or a network error means the upstream is unavailable. Other OAuth errors (`invalid_client`…) are a
 * configuration problem: unavailable too (never "connect again": the person can do nothing about it).
 */
export function classifyUpstreamFailure(e: unknown): UpstreamError {
  if (e instanceof oauth.ResponseBodyError) {
    return new UpstreamError(e.error === 'invalid_grant' ? 'invalid_grant' : 'unavailable', `${e.error} (HTTP ${e.status})`);
  }
  if (e instanceof oauth.WWWAuthenticateChallengeError) return new UpstreamError('unavailable', `challenge (HTTP ${e.status})`);
  if (e instanceof oauth.OperationProcessingError) {
    const status = (e.cause as Response | undefined)?.status;
    return new UpstreamError('unavailable', status ? `HTTP ${status}` : (e.code ?? 'unexpected answer'));
  }
  const name = (e as Error)?.name;
  return new UpstreamError('unavailable', name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'network error');
}

/** The vault's upstream calls, with oauth4webapi against each provider's authorization server. */
export function oauthUpstream(endpoints: EndpointResolver): Upstream {
  return {
    async refresh(provider: OAuthProvider, refreshToken: string): Promise<UpstreamTokens> {
      let res: oauth.TokenEndpointResponse;
      try {
        const as = await endpoints.resolve(provider);
        const client = oauthClient(provider);
        const response = await oauth.refreshTokenGrantRequest(
          as,
          client,
          clientAuth(provider),
          refreshToken,
          postOptions(as.token_endpoint!),
        );
        res = await oauth.processRefreshTokenResponse(as, client, response);
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
      const as = await endpoints.resolve(provider);
      if (!as.revocation_endpoint) return false;
      const response = await oauth.revocationRequest(as, oauthClient(provider), clientAuth(provider), token, {
        ...postOptions(as.revocation_endpoint),
        additionalParameters: { token_type_hint: hint },
      });
      await oauth.processRevocationResponse(response);
      return true;
    },
  };
}
