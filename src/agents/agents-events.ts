import type { EventType } from '../kernel/index.js';

/** The agents' audit event types. */
export const agentsEvents: readonly EventType[] = [
  { action: 'agent.registered', kind: 'agent', label: 'Agent registered' },
  { action: 'agent.renamed', kind: 'agent', label: 'Agent renamed' },
  { action: 'agent.deleted', kind: 'agent', label: 'Agent deleted (its access revoked first)' },
  { action: 'agent.made_available', kind: 'agent', label: 'Agent made available for delegation by others' },
  { action: 'agent.made_unavailable', kind: 'agent', label: 'Agent no longer available for delegation by others' },
  { action: 'delegation.created', kind: 'agent', label: 'Rights delegated to an agent' },
  { action: 'delegation.revoked', kind: 'agent', label: 'Delegation revoked (with everything derived from it)' },
];
