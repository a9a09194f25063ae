/**
 * Every audit action, with the kind it is filtered by on the access log and a label people read. Domains add
 * theirs here (one list, so the access-log filter, the metrics and the docs agree).
 */
export const eventTypes = {
  'server.started': { kind: 'system', label: 'Gateway started' },
  'keys.generated': { kind: 'system', label: 'Signing key generated' },
  'keys.rotated': { kind: 'system', label: 'Signing key rotated' },
  'keys.retired': { kind: 'system', label: 'Signing key retired' },
  // ── Accounts (passkeys, sessions, profile) ──
  'account.signed_up': { kind: 'sign-up', label: 'Account created with a passkey' },
  'account.signed_in': { kind: 'sign-in', label: 'Signed in with a passkey' },
  'passkey.added': { kind: 'passkey', label: 'Passkey added' },
  'passkey.renamed': { kind: 'passkey', label: 'Passkey renamed' },
  'passkey.removed': { kind: 'passkey', label: 'Passkey removed' },
  'session.created': { kind: 'session', label: 'Session started' },
  'session.refreshed': { kind: 'session', label: 'Session renewed' },
  'session.revoked': { kind: 'session', label: 'Session ended' },
  'session.rejected': { kind: 'security', label: 'Session token refused' },
  'csrf.rejected': { kind: 'security', label: 'Request refused: missing or wrong CSRF token' },
  'profile.updated': { kind: 'profile', label: 'Profile changed' },
  // ── Tokens and agents ──
  'token.created': { kind: 'token', label: 'Personal API token created' },
  'token.used': { kind: 'token', label: 'Token used (first use that day)' },
  'token.revoked': { kind: 'token', label: 'Token revoked' },
  'token.exchanged': { kind: 'agent', label: 'Token exchanged for a sub-agent (RFC 8693)' },
  'token.rejected': { kind: 'security', label: 'A revoked or misdirected token was refused' },
  'agent.registered': { kind: 'agent', label: 'Agent registered' },
  'delegation.created': { kind: 'agent', label: 'Rights delegated to an agent' },
  'delegation.revoked': { kind: 'agent', label: 'Delegation revoked (with everything derived from it)' },
  // ── OAuth authorization server ──
  'oauth.client.registered': { kind: 'app', label: 'OAuth client registered' },
  'oauth.consent.granted': { kind: 'app', label: 'Access granted to an app' },
  'oauth.consent.revoked': { kind: 'app', label: 'App access revoked (every token of the grant)' },
  'oauth.token.issued': { kind: 'app', label: 'OAuth tokens issued to an app' },
  'oauth.token.refreshed': { kind: 'app', label: 'OAuth tokens refreshed' },
  'oauth.token.revoked': { kind: 'app', label: 'OAuth token revoked' },
  'oauth.token.reuse_detected': { kind: 'security', label: 'A used code or refresh token was replayed: its tokens were revoked' },
} as const satisfies Record<string, { kind: string; label: string }>;

export type EventAction = keyof typeof eventTypes;
export type EventResult = 'success' | 'failure';
export type ActorType = 'user' | 'client' | 'agent' | 'system' | 'anonymous';

/** One audit event. `detail` is small JSON; secrets are stripped from it before it is stored. */
export interface AuditEvent {
  action: EventAction;
  result?: EventResult;
  actor: { type: ActorType; id?: string | null };
  /** The person whose account this concerns: their access log shows it. */
  userId?: string | null;
  target?: { type: string; id?: string | null };
  ip?: string | null;
  userAgent?: string | null;
  detail?: Record<string, unknown>;
}
