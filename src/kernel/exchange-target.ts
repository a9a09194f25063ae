import type { AppContext } from './app-context.js';
import type { Principal } from './principal.js';

/** An RFC 8693 token-exchange request, once the subject token is verified, as a target module sees it. */
export interface ExchangeRequest {
  ctx: AppContext;
  /** The authenticated client making the exchange. */
  client: { clientId: string; ownerUserId: string | null };
  /** The verified `subject_token` (an access token). */
  subject: Principal;
  /** RFC 8707 `resource` parameters and the `audience` parameter, as sent. */
  resources: readonly string[];
  audience?: string;
  /** `requested_token_type`, if sent. */
  requestedTokenType?: string;
  ip: string;
  userAgent?: string;
}

/**
 * Something the token-exchange grant issues besides the gateway's own access tokens: a module claims a `resource` or
 * `audience` it serves (the vault: `urn:oauth3:provider:{id}`, or a provider id as `audience`) and answers the whole
 * exchange. The grant stays one grant (oauth/grants/token-exchange.ts); targets extend it through the manifests.
 */
export interface ExchangeTarget {
  /** Unique (the registry key). */
  name: string;
  /** True when this target issues for what the request names. */
  claims(request: { resources: readonly string[]; audience?: string }): boolean;
  /** The RFC 8693 §2.2.1 response, or throws an OAuthError (invalid_target, invalid_grant…). */
  exchange(request: ExchangeRequest): Promise<Record<string, unknown>>;
}
