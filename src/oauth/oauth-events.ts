import type { EventType } from '../kernel/index.js';

/** The authorization server's audit event types. */
export const oauthEvents: readonly EventType[] = [
  { action: 'token.exchanged', kind: 'agent', label: 'Token exchanged for a sub-agent (RFC 8693)' },
  { action: 'oauth.client.registered', kind: 'app', label: 'OAuth client registered' },
  { action: 'oauth.client.removed', kind: 'app', label: 'OAuth client removed by the operator (its grants and tokens revoked)' },
  { action: 'oauth.consent.granted', kind: 'app', label: 'Access granted to an app' },
  { action: 'oauth.consent.revoked', kind: 'app', label: 'App access revoked (every token of the grant)' },
  { action: 'oauth.token.issued', kind: 'app', label: 'OAuth tokens issued to an app' },
  { action: 'oauth.token.refreshed', kind: 'app', label: 'OAuth tokens refreshed' },
  { action: 'oauth.token.revoked', kind: 'app', label: 'OAuth token revoked' },
  { action: 'oauth.token.reuse_detected', kind: 'security', label: 'A used code or refresh token was replayed: its tokens were revoked' },
];
