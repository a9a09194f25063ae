import type { AppContext } from './app-context.js';
import type { Principal } from './principal.js';
import type { ExchangeTargetOf } from './registries.js';

/** An RFC 8693 token-exchange request, once the subject token is verified, as a target module sees it. */
export interface ExchangeRequest {
  ctx: AppContext;
  /** The authenticated client making the exchange; `confidential`: it proved a secret or a key (not a public client). */
  client: { clientId: string; ownerUserId: string | null; confidential: boolean };
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
 * Something the token-exchange grant issues besides the gateway's own access tokens (see ExchangeTargetOf): a module
 * claims a `resource` or `audience` it serves (the vault: `urn:oauth3:provider:{id}`) and answers the whole exchange,
 * given the verified request. The grant stays one grant; targets extend it through the manifests.
 */
export type ExchangeTarget = ExchangeTargetOf<ExchangeRequest>;
