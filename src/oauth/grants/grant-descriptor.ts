import type { AppContext, GrantType } from '../../kernel/index.js';
import type { AuthorizationServer } from '../authorization-server.js';
import type { OAuthClient } from '../clients/oauth-client.js';

/** What /token gives a grant handler: the authenticated client and the request's parameters. */
export interface GrantRequest {
  ctx: AppContext;
  /** The authorization server's state (grant use). */
  as: AuthorizationServer;
  /** Authenticated per its registered method (authenticateClient); allowed to use this grant type. */
  client: OAuthClient;
  /** Form parameters, one string each (repeated parameters are refused before the handler runs). */
  params: Record<string, string>;
  /** RFC 8707 `resource` parameters (the one parameter that may repeat). */
  resources: string[];
  ip: string;
  userAgent?: string;
}

/** The successful token response (RFC 6749 §5.1, RFC 8693 §2.2.1). Sent with Cache-Control: no-store. */
export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer' | 'N_A';
  expires_in?: number;
  scope?: string;
  refresh_token?: string;
  issued_token_type?: string;
  [extra: string]: unknown;
}

/**
 * One grant type at the token endpoint, declared in a module's manifest (`grantTypes`) and found in the app's
 * registry (no switch): `parameters.required` must be present (else invalid_request), `handler` returns the
 * token response or throws an OAuthError (invalid_grant, invalid_scope, invalid_target…).
 */
export interface GrantDescriptor extends GrantType<GrantRequest> {
  handler(request: GrantRequest): Promise<TokenResponse>;
}
