export { TokenService, type IssueAccessToken, type VerifyOptions, type AccessTokensTable } from './token-service.js';
export { RevocationIndex, type RevokedTokensTable } from './revocation-index.js';
export { SESSION_TYP, ACCESS_TYP, type Principal, type TokenKind } from './principal.js';
