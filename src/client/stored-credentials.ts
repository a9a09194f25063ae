/**
 * What the client keeps for one issuer and resource: everything `token`, `status`, `logout` and a refresh need,
 * with no network call for discovery. Times are absolute (seconds since the epoch), never `expires_in`.
 */
export interface StoredCredentials {
  /** Format version of this record. */
  version: 1;
  /** The authorization server's issuer identifier, exactly as its metadata names it. */
  issuer: string;
  /** The RFC 8707 resource the tokens are for (the protected resource's identifier), when one was asked for. */
  resource?: string;
  /** The parts of the AS metadata (RFC 8414) the client uses later. */
  server: {
    token_endpoint: string;
    revocation_endpoint?: string;
    authorization_endpoint?: string;
    introspection_endpoint?: string;
  };
  /** The client registration used for the tokens. */
  client: {
    client_id: string;
    client_secret?: string;
    token_endpoint_auth_method: 'none' | 'client_secret_basic' | 'client_secret_post';
    /** How the client id was obtained. */
    registration: 'cimd' | 'dcr' | 'static';
  };
  access_token: string;
  token_type: string;
  refresh_token?: string;
  /** Absolute expiry of the access token, seconds since the epoch. */
  expires_at: number;
  /** The granted scopes, space separated (as the token endpoint answered, else as asked). */
  scope: string;
  /** Who the tokens act for, when known (the ID token's or the access token's `sub`, a display name). */
  account?: { sub: string; name?: string };
  /** When the credentials were first obtained and last refreshed, seconds since the epoch. */
  obtained_at: number;
  refreshed_at?: number;
}
