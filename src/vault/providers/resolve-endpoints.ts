import * as oauth from 'oauth4webapi';
import { isLoopbackHost } from './entry-reader.js';
import type { OAuthProvider } from './provider.js';

/** Options of an EndpointResolver. */
export interface EndpointResolverOptions {
  /** How long a discovery request may take (default 10 s). */
  timeoutMs?: number;
}

/** True when `url` is plain http (allowed on a loopback host only, which validation made sure of). */
const insecure = (url: string) => new URL(url).protocol === 'http:' && isLoopbackHost(new URL(url));

/**
 * The oauth4webapi request options for a call to `url`: a deadline (milliseconds, or the caller's signal), and
 * `allowInsecureRequests` only when the URL is http on a loopback host (tests and development; all else is https).
 */
export function upstreamRequestOptions(
  url: string,
  deadline: number | AbortSignal = 10_000,
): { signal: AbortSignal; [oauth.allowInsecureRequests]: boolean } {
  return { signal: typeof deadline === 'number' ? AbortSignal.timeout(deadline) : deadline, [oauth.allowInsecureRequests]: insecure(url) };
}

/** The endpoints the provider's entry gives, in the metadata's names. */
function explicitEndpoints(p: OAuthProvider): Partial<oauth.AuthorizationServer> {
  const given = {
    authorization_endpoint: p.authorizationEndpoint,
    token_endpoint: p.tokenEndpoint,
    revocation_endpoint: p.revocationEndpoint,
    userinfo_endpoint: p.userinfoEndpoint,
  };
  return Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined));
}

/**
 * Finds the upstream authorization server of each OAuth provider, for oauth4webapi: from the explicit endpoints
 * when the entry gives both the authorization and the token endpoint, otherwise by discovery from the issuer
 * (RFC 8414 for `oauth2`, falling back to OpenID Connect Discovery; OpenID Connect Discovery for `oidc`), with
 * explicit endpoints replacing discovered ones. A discovered server is cached per provider for the life of this
 * resolver; a failed discovery is not cached (the next call tries again).
 */
export class EndpointResolver {
  readonly #cache = new Map<string, Promise<oauth.AuthorizationServer>>();
  readonly #timeoutMs: number;

  constructor(o: EndpointResolverOptions = {}) {
    this.#timeoutMs = o.timeoutMs ?? 10_000;
  }

  /** The provider's authorization server; rejects with an Error naming the provider and the issuer when discovery fails. */
  resolve(provider: OAuthProvider): Promise<oauth.AuthorizationServer> {
    const cached = this.#cache.get(provider.id);
    if (cached) return cached;
    const pending = this.#find(provider);
    this.#cache.set(provider.id, pending);
    pending.catch(() => {
      if (this.#cache.get(provider.id) === pending) this.#cache.delete(provider.id);
    });
    return pending;
  }

  async #find(p: OAuthProvider): Promise<oauth.AuthorizationServer> {
    const explicit = explicitEndpoints(p);
    if (explicit.authorization_endpoint && explicit.token_endpoint)
      return { issuer: p.issuer ?? new URL(explicit.authorization_endpoint).origin, ...explicit };
    if (!p.issuer) throw new Error(`provider "${p.id}": no issuer to discover its endpoints from`);
    const issuer = new URL(p.issuer);
    try {
      const request = (algorithm: 'oauth2' | 'oidc') =>
        oauth.discoveryRequest(issuer, { algorithm, ...upstreamRequestOptions(p.issuer!, this.#timeoutMs) });
      let response = await request(p.kind === 'oidc' ? 'oidc' : 'oauth2');
      if (p.kind === 'oauth2' && response.status === 404) {
        await response.body?.cancel();
        response = await request('oidc');
      }
      return { ...(await oauth.processDiscoveryResponse(issuer, response)), ...explicit };
    } catch (e) {
      throw new Error(`provider "${p.id}": discovery at ${p.issuer} failed: ${(e as Error).message}`, { cause: e });
    }
  }
}
