import type { EventType } from '../kernel/index.js';

/** The gateway's own audit event types (its start and its signing keys). */
export const gatewayEvents: readonly EventType[] = [
  { action: 'server.started', kind: 'system', label: 'Gateway started' },
  { action: 'keys.generated', kind: 'system', label: 'Signing key generated' },
  { action: 'keys.rotated', kind: 'system', label: 'Signing key rotated' },
  { action: 'keys.retired', kind: 'system', label: 'Signing key retired' },
];
