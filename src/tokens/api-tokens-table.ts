/** A personal API token: only its SHA-256 hash is stored; the token itself is shown once. */
export interface ApiTokensTable {
  id: string;
  user_id: string;
  name: string;
  /** SHA-256 (base64url) of the whole token. */
  token_hash: string;
  /** Space-separated scopes. */
  scope: string;
  created_at: number;
  /** Epoch ms; null: never expires (only when config allows it). */
  expires_at: number | null;
  last_used_at: number | null;
  last_used_ip: string | null;
  revoked_at: number | null;
}

declare module '../store/database.js' {
  interface Database {
    api_tokens: ApiTokensTable;
  }
}
