import type { EventType } from '../kernel/index.js';

/** The vault's audit event types: the person's access log shows every connection change and every token served. */
export const vaultEvents: readonly EventType[] = [
  { action: 'vault.connected', kind: 'vault', label: 'Account connected' },
  { action: 'vault.disconnected', kind: 'vault', label: 'Account disconnected' },
  { action: 'vault.refreshed', kind: 'vault', label: 'Upstream token refreshed' },
  { action: 'vault.needs_reauth', kind: 'vault', label: 'Upstream refused the connection: connect again' },
  { action: 'vault.upstream_unavailable', kind: 'vault', label: 'Upstream provider not answering' },
  { action: 'vault.token_served', kind: 'vault', label: 'Upstream token given to a server' },
  { action: 'vault.allowed', kind: 'vault', label: 'Server allowed to use a connection' },
  { action: 'vault.disallowed', kind: 'vault', label: 'Server no longer allowed to use a connection' },
  { action: 'vault.connect_refused', kind: 'vault', label: 'Connecting an account refused' },
  { action: 'vault.key_rotated', kind: 'vault', label: 'Vault data key rotated' },
  { action: 'vault.key_retired', kind: 'vault', label: 'Vault data key retired' },
  { action: 'vault.master_key_rewrapped', kind: 'vault', label: 'Keys re-sealed under a new master key' },
  { action: 'vault.apikey_created', kind: 'vault', label: 'Vault API key created' },
  { action: 'vault.apikey_revoked', kind: 'vault', label: 'Vault API key revoked' },
];
