/** A person. `webauthn_user_id` is the WebAuthn user handle (random, base64url) their passkeys carry. */
export interface UsersTable {
  id: string;
  webauthn_user_id: string;
  username: string | null;
  /** Lower-cased, NFKC username: what uniqueness is checked on. */
  username_key: string | null;
  email: string | null;
  phone: string | null;
  wallet: string | null;
  created_at: number;
  updated_at: number;
}

/** A sign-in session; its id is the session JWT's `sid`/`jti`, which revocation names. */
export interface SessionsTable {
  id: string;
  user_id: string;
  created_at: number;
  last_seen_at: number;
  ip: string | null;
  user_agent: string | null;
  expires_at: number;
  revoked_at: number | null;
  /** The passkey whose ceremony opened it (null for sessions made otherwise): removing the passkey ends it. */
  passkey_id: string | null;
}

/** A passkey (WebAuthn credential). `id` is the credential id, base64url. */
export interface PasskeysTable {
  id: string;
  user_id: string;
  public_key: string;
  counter: number;
  /** JSON array of AuthenticatorTransport. */
  transports: string;
  device_type: string;
  backed_up: number;
  aaguid: string;
  name: string;
  created_at: number;
  last_used_at: number | null;
}

/** A pending WebAuthn challenge: single-use (deleted when consumed), valid until `expires_at`. */
export interface WebauthnChallengesTable {
  challenge: string;
  purpose: string;
  /** For registration: the user id the new credential belongs to (new or existing account). */
  user_id: string | null;
  /** For registration: the WebAuthn user handle given to the authenticator. */
  webauthn_user_id: string | null;
  created_at: number;
  expires_at: number;
}

/** A sign-up invitation: single use (`used_at`), valid until `expires_at`. The token itself is never stored. */
export interface AccountInvitesTable {
  token_hash: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  /** The account its sign-up created. */
  used_by: string | null;
}

declare module '../store/database.js' {
  interface Database {
    users: UsersTable;
    sessions: SessionsTable;
    passkeys: PasskeysTable;
    webauthn_challenges: WebauthnChallengesTable;
    account_invites: AccountInvitesTable;
  }
}
