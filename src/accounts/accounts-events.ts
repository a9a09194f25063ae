import type { EventType } from '../kernel/index.js';

/** The accounts' audit event types. */
export const accountsEvents: readonly EventType[] = [
  { action: 'account.signed_up', kind: 'sign-up', label: 'Account created with a passkey' },
  { action: 'account.invite.created', kind: 'sign-up', label: 'Sign-up invitation created' },
  { action: 'account.signed_in', kind: 'sign-in', label: 'Signed in with a passkey' },
  { action: 'passkey.added', kind: 'passkey', label: 'Passkey added' },
  { action: 'passkey.renamed', kind: 'passkey', label: 'Passkey renamed' },
  { action: 'passkey.removed', kind: 'passkey', label: 'Passkey removed' },
  { action: 'session.created', kind: 'session', label: 'Session started' },
  { action: 'session.refreshed', kind: 'session', label: 'Session renewed' },
  { action: 'session.revoked', kind: 'session', label: 'Session ended' },
  { action: 'session.rejected', kind: 'security', label: 'Session token refused' },
  { action: 'csrf.rejected', kind: 'security', label: 'Request refused: missing or wrong CSRF token' },
  { action: 'profile.updated', kind: 'profile', label: 'Profile changed' },
];
