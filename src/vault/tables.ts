/** A person's connected upstream account: the sealed credential and what the refresher needs. */
export interface VaultConnectionsTable {
  id: string;
  user_id: string;
  provider: string;
  /** The upstream account's name (an email, a login, `@bot`), shown to the person. */
  account: string | null;
  /** Scopes the upstream granted, space-separated. */
  scopes: string;
  /** The credential JSON, sealed under a data key with aad `vault_connections:<id>:<user_id>:<provider>`. */
  secret_sealed: string;
  /** The data key `secret_sealed` is sealed under (for `vault status`, `reencrypt` and `retire`). */
  key_id: string;
  /** When the upstream access token expires (ms); null: it does not (keys, tokens without expiry). */
  expires_at: number | null;
  /** active | needs_reauth | unavailable */
  status: string;
  /** Why the last refresh failed (an OAuth error code or a short reason; never a secret). */
  last_error: string | null;
  /** After an upstream failure, no refresh is tried before this (ms): backoff, no hot path to a failing upstream. */
  retry_after: number | null;
  /** Refresh lease (ms): whoever set it refreshes; others wait and re-read. */
  lease_until: number | null;
  refreshed_at: number | null;
  last_used_at: number | null;
  /** Who last received the credential (`apikey:<id>`, `client:<client_id>`). */
  last_used_by: string | null;
  created_at: number;
  updated_at: number;
}

/** A server (a vault API key or an OAuth client) a person allowed to use one of their connections. */
export interface VaultAllowancesTable {
  user_id: string;
  provider: string;
  /** `apikey:<id>` or `client:<client_id>` */
  server: string;
  created_at: number;
}

/** An MCP server's key for the vault's server API (`o3k_…`), stored hashed. */
export interface VaultApiKeysTable {
  id: string;
  name: string;
  token_hash: string;
  /** Providers it may ask for, comma-separated; null: any. */
  providers: string | null;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

/** A connect flow in progress: started by a server (`/auth/init`) or by the person on the Connections page. */
export interface VaultConnectSessionsTable {
  id: string;
  /** The person it is for (a server names them; the page is the signed-in person). */
  user_id: string;
  provider: string;
  scopes: string;
  /** The API key of the server that started it, null when the person did. */
  api_key_id: string | null;
  /** The browser session that approved it: the callback must come back to the same one. */
  browser_session_id: string | null;
  /** SHA-256 of the upstream `state`. */
  state_hash: string | null;
  /** PKCE verifier and OIDC nonce, sealed (aad `vault_connect_sessions:<id>`). */
  secret_sealed: string | null;
  /** pending | upstream (sent to the provider) | exchanging (the callback claimed it) | complete | error */
  status: string;
  error: string | null;
  account: string | null;
  /** Where the person goes afterwards (a gateway path). */
  return_to: string | null;
  expires_at: number;
  created_at: number;
  completed_at: number | null;
}

declare module '../store/database.js' {
  interface Database {
    vault_connections: VaultConnectionsTable;
    vault_allowances: VaultAllowancesTable;
    vault_api_keys: VaultApiKeysTable;
    vault_connect_sessions: VaultConnectSessionsTable;
  }
}
