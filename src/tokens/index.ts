export { TokenService, type IssueAccessToken, type VerifyOptions, type AccessTokensTable } from './token-service.js';
export { tokenServiceOptions, type TokenServiceOptions } from './token-service-options.js';
export { RevocationIndex, REVOCATION_CHANNEL, type RevokedTokensTable } from './revocation-index.js';
export { SESSION_TYP, ACCESS_TYP, LINEAGE_CLAIM, type Principal, type TokenKind } from './principal.js';
export { generateApiToken, hasValidApiTokenChecksum, API_TOKEN_PREFIX } from './api-token-format.js';
export type { ApiTokensTable } from './api-tokens-table.js';
export type { RevocableId } from './descendants.js';
export { ApiTokenService, type ApiTokenInfo, type CreateApiToken, type RequestMeta } from './api-token-service.js';
export { grantableScopes } from './grantable-scopes.js';
