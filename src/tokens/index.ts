/**
 * Tokens: the TokenService (the context's one verifier and issuance path), API tokens, revocation. Other domains
 * use the context's `tokens` (kernel's TokenService interface), not this class.
 */
export { tokensModule } from './tokens-module.js';
export { TokenService, type AccessTokensTable } from './token-service.js';
export { tokenServiceOptions, type TokenServiceOptions } from './token-service-options.js';
export { RevocationIndex, REVOCATION_CHANNEL, type RevokedTokensTable } from './revocation-index.js';
export { generateApiToken, hasValidApiTokenChecksum, API_TOKEN_PREFIX } from './api-token-format.js';
export type { ApiTokensTable } from './api-tokens-table.js';
export { ApiTokenService, type ApiTokenInfo, type CreateApiToken } from './api-token-service.js';
export { personalCaller } from './personal-caller.js';
export { tokensErrors } from './tokens-errors.js';
