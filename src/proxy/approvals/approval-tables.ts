/** The status of an approval: asked, then approved or denied by the person, used once by the call, or past its expiry. */
export type ApprovalStatus = 'pending' | 'approved' | 'denied' | 'used' | 'expired';

/** One asked call: who asked (token and agent chain), what (plugin, action, the input's digest), and its state. */
export interface ProxyApprovalsTable {
  id: string;
  user_id: string;
  /** The caller's token id (jti or API-token id): only the same token may use the approval. */
  token_id: string;
  client_id: string | null;
  /** The grant it was asked under (the caller's lineage root, or its API token): pending ones are capped per grant. Null on rows from before. */
  grant_id: string | null;
  /** The agent chain as JSON (client ids, the current actor first). */
  chain: string;
  plugin: string;
  action: string;
  /** SHA-256 (base64url) of the canonical JSON of the validated input. */
  input_digest: string;
  /** The validated input, sealed under the master key (it may hold a message): shown to the person, never logged. */
  input_sealed: string;
  status: ApprovalStatus;
  /** The WebAuthn challenge bound to this approval (see approvalChallenge). */
  challenge: string;
  created_at: number;
  expires_at: number;
  decided_at: number | null;
  used_at: number | null;
}

declare module '../../store/database.js' {
  interface Database {
    proxy_approvals: ProxyApprovalsTable;
  }
}
