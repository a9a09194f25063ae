import type { OAuthProvider } from './providers/index.js';

/** An upstream token response, as the vault keeps it. */
export interface UpstreamTokens {
  accessToken: string;
  tokenType: string;
  refreshToken?: string;
  idToken?: string;
  /** Seconds, as the upstream said (RFC 6749 §5.1); absent: no expiry known. */
  expiresIn?: number;
  scope?: string;
}

/**
 * A classified upstream failure. `invalid_grant` (or a revoked authorization) means the person must connect again
 * and is never retried; `unavailable` (5xx, timeout, network) keeps the connection and backs off.
 */
export class UpstreamError extends Error {
  override name = 'UpstreamError';
  /** The upstream refused the gateway itself (`invalid_client`, another 4xx): its configuration, not the person's grant. */
  readonly configuration: boolean;
  /** Seconds the upstream asked to wait (its `Retry-After`), if it said. */
  readonly retryAfter?: number;
  constructor(
    readonly reason: 'invalid_grant' | 'unavailable',
    /** The OAuth error code or a short cause, safe to store and show (never a token). */
    override readonly cause: string,
    o: { configuration?: boolean; retryAfter?: number } = {},
  ) {
    super(`upstream ${reason}: ${cause}`);
    this.configuration = o.configuration ?? false;
    if (o.retryAfter !== undefined) this.retryAfter = o.retryAfter;
  }
}

/** What the vault asks of an upstream OAuth server (implemented with oauth4webapi; tests may pass another). */
export interface Upstream {
  refresh(provider: OAuthProvider, refreshToken: string): Promise<UpstreamTokens>;
  /** RFC 7009; resolves false when the provider has no revocation endpoint. */
  revoke(provider: OAuthProvider, token: string, hint: 'refresh_token' | 'access_token'): Promise<boolean>;
}
