import type { EventType } from '../../kernel/index.js';

/** The approval flow's audit events: the person's decision, and the call that used it. */
export const approvalEvents: readonly EventType[] = [
  { action: 'proxy.approval_approved', kind: 'proxy', label: 'Agent action approved with a passkey' },
  { action: 'proxy.approval_denied', kind: 'proxy', label: 'Agent action denied' },
  { action: 'proxy.approval_used', kind: 'proxy', label: 'Approved agent action run' },
];
