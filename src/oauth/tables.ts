/**
 * The authorization server's tables (migrations/0001_baseline.ts). Conventions of store/database.ts: text ids,
 * epoch-ms times, 0/1 booleans, JSON as text, space-separated scope and resource lists.
 */
export interface OAuthClientsTable {
  /** client_id: a random id, or the https URL of a Client ID Metadata Document. */
  id: string;
  /** SHA-256 of the client secret; null for public clients (none) and private_key_jwt clients (they hold keys). */
  secret_hash: string | null;
  token_endpoint_auth_method: 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt' | 'none';
  name: string;
  /** JSON array of exact redirect URIs. */
  redirect_uris: string;
  /** JSON array of grant types the client may use at /token. */
  grant_types: string;
  /** Space-separated scopes the client may ask for; null: any valid scope. */
  scope: string | null;
  /** How it came to exist: dcr (RFC 7591), cimd (metadata document), static (operator/CLI), agent. */
  source: string;
  /** The person who owns it (agents, personal clients); null for registered apps. */
  owner_user_id: string | null;
  client_uri: string | null;
  logo_uri: string | null;
  /** Other registered metadata, JSON object (software_id, contacts…). */
  metadata: string;
  created_at: number;
  /** When a CIMD document was last fetched (null for other sources). */
  fetched_at: number | null;
}

/** An authorization code (stored hashed), single use. */
export interface OAuthCodesTable {
  code_hash: string;
  client_id: string;
  user_id: string;
  grant_id: string;
  redirect_uri: string;
  code_challenge: string;
  scope: string;
  resource: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  /** The token family issued from it (so a second use can revoke it). */
  family_id: string | null;
  /** OpenID Connect `nonce` of the request, echoed in the ID token. */
  nonce: string | null;
  /** When the person signed in (their session's start, epoch ms): the ID token's `auth_time`. */
  auth_time: number | null;
}

/** Remembered consent: one per person, client, scopes and resource. "Authorized apps" lists these. */
export interface OAuthGrantsTable {
  id: string;
  user_id: string;
  client_id: string;
  scope: string;
  resource: string;
  created_at: number;
  last_used_at: number;
  revoked_at: number | null;
}

/** A refresh-token family: everything issued from one authorization code. access_tokens.grant_id names it. */
export interface OAuthFamiliesTable {
  id: string;
  grant_id: string | null;
  client_id: string;
  user_id: string | null;
  scope: string;
  resource: string;
  created_at: number;
  revoked_at: number | null;
}

/** One refresh token (`id` is in the token, SHA-256 of the whole token is kept). Rotated on use. */
export interface OAuthRefreshTokensTable {
  id: string;
  token_hash: string;
  family_id: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

/** Resource servers added with `oauth3 resource add` (config `resources` adds more). */
export interface OAuthResourcesTable {
  url: string;
  name: string;
  scope: string;
  created_at: number;
  /** The client_id allowed to introspect tokens meant for this resource (0002_resource_introspector); null: none. */
  introspector: string | null;
}

/** A used RFC 7523 client assertion (0004_client_assertions): SHA-256 of client_id and jti, until it expires. */
export interface OAuthClientAssertionsTable {
  jti_hash: string;
  expires_at: number;
}

declare module '../store/database.js' {
  interface Database {
    oauth_client_assertions: OAuthClientAssertionsTable;
    oauth_clients: OAuthClientsTable;
    oauth_codes: OAuthCodesTable;
    oauth_grants: OAuthGrantsTable;
    oauth_families: OAuthFamiliesTable;
    oauth_refresh_tokens: OAuthRefreshTokensTable;
    oauth_resources: OAuthResourcesTable;
  }
}
