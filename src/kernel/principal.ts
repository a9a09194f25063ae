/** The kinds of bearer the gateway accepts. Every one is verified by `TokenService.verify`. */
export type TokenKind = 'session' | 'access' | 'api_token';

/**
 * Who is calling, as established by the one verifier: the person, the client or agent acting, the rights, and
 * the token's identity and lifetime. Every route that accepts a bearer or a session works from this.
 * Principals may be shared between calls (verified-token cache): treat them as read-only.
 */
export interface Principal {
  kind: TokenKind;
  /** Session id, access-token jti or API-token id: what revocation names. */
  tokenId: string;
  /** The person (`sub` of a user token); null when a client acts as itself (client_credentials). */
  userId: string | null;
  /** The OAuth client or agent presenting the token; null for sessions and personal API tokens. */
  clientId: string | null;
  scopes: string[];
  /** Resources the token is for (`aud`); empty for sessions and API tokens. */
  audience: string[];
  /** RFC 8693 `act` chain, the current actor first, then whom it acts for (client ids). */
  chain: string[];
  /** Expiry, epoch seconds; null for a token that does not expire. */
  expiresAt: number | null;
  /**
   * Access tokens: the ids whose revocation also revokes this token, oldest first: its grant (consent grant,
   * refresh family or delegation) and every token it was exchanged from. Empty for other kinds.
   */
  lineage?: string[];
}

/** Session JWT claims: `sub` user id, `sid` session id (also the jti), `iat`, `exp`. Header `typ: session+jwt`. */
export const SESSION_TYP = 'session+jwt';
/** RFC 9068 §2.1 access-token JWT header type. */
export const ACCESS_TYP = 'at+jwt';
/** Private access-token claim carrying the lineage (grant id, then ancestor jtis): checked against revocations. */
export const LINEAGE_CLAIM = 'o3_lin';
