import type { EventType } from '../kernel/index.js';

/** The tokens' audit event types. */
export const tokensEvents: readonly EventType[] = [
  { action: 'token.created', kind: 'token', label: 'Personal API token created' },
  { action: 'token.used', kind: 'token', label: 'Token used (first use that day)' },
  { action: 'token.revoked', kind: 'token', label: 'Token revoked' },
  { action: 'token.rejected', kind: 'security', label: 'A revoked or misdirected token was refused' },
];
