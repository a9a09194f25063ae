/**
 * Agents: registration (an agent is an OAuth client a person owns), delegation of a person's rights to an agent,
 * validation and revocation (cascading down RFC 8693 exchange chains), and the Agents page.
 */
export { agentsModule } from './agents-module.js';
export { registerAgent, type RegisteredAgent } from './register-agent.js';
export { createDelegation, type Delegation } from './create-delegation.js';
export { delegationStatus, delegationOf, type DelegationStatus } from './delegation-status.js';
export { revokeDelegations, revokeByToken } from './revoke-delegation.js';
export { listAgents, type AgentView, type DelegationView, type ChainTokenView } from './list-agents.js';
export { revokeAgentAccess } from './revoke-agent-access.js';
export type { DelegationsTable } from './delegations-table.js';
export { agentsErrors } from './agents-errors.js';
