/**
 * A person's delegation of rights to an agent (POST /delegate). The delegation token is an ordinary RFC 9068
 * access token whose `grant_id` is the delegation id, so revoking the delegation revokes it and every token
 * exchanged from it (RFC 8693), at once.
 */
export interface DelegationsTable {
  id: string;
  user_id: string;
  /** The agent (an oauth_clients id with source 'agent'). */
  agent_id: string;
  scope: string;
  /** jti of the delegation token. */
  jti: string;
  created_at: number;
  expires_at: number;
  revoked_at: number | null;
}

declare module '../store/database.js' {
  interface Database {
    delegations: DelegationsTable;
  }
}
