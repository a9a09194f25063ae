/**
 * The authorization server. Other domains use the client lookups (agents are OAuth clients), grant listing and
 * revocation (the account pages), and the grant type names.
 */
export { oauthModule } from './oauth-module.js';
export { createClient, type CreateClientInput } from './clients/create-client.js';
export { findClient } from './clients/find-client.js';
export { listClients, type ClientSummary } from './clients/list-clients.js';
export { removeClient, type RemoveClientResult } from './clients/remove-client.js';
export { redirectUriProblem } from './clients/redirect-uri-rules.js';
export type { OAuthClient, TokenEndpointAuthMethod } from './clients/oauth-client.js';
export type { GrantDescriptor, GrantRequest, TokenResponse } from './grants/grant-descriptor.js';
export { TOKEN_EXCHANGE } from './grants/grant-type-names.js';
export type * from './tables.js';
export { revokeGrant } from './apps/revoke-grant.js';
export { listGrants, type AuthorizedApp } from './apps/list-grants.js';
export { oauthErrors } from './oauth-errors.js';
export { ClientAuthFailures, TooManyFailedAuthentications } from './clients/client-auth-failures.js';
