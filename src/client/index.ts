/**
 * The oauth3 client library (`oauth3/client`): what the CLI's client commands use and what other programs embed.
 * Log in with PKCE, keep tokens in a store, keep them fresh across processes, call with a bearer.
 */
export { OAuthError, ValidationError, StorageError, TokenError, OAuthFlowError, HttpError, isLoginRequired } from './client-errors.js';
export type { StoredCredentials } from './stored-credentials.js';
export type { TokenStore } from './token-store.js';
export { authorizedFetch, type AuthorizedFetch, type BearerSource } from './mcp-bridge/authorized-fetch.js';
export { startMcpBridge, type McpBridge, type McpBridgeOptions } from './mcp-bridge/mcp-bridge.js';
export { parseActionInput } from './proxy-call/parse-action-input.js';
export { callProxyAction, type ApprovalAsked, type ProxyCallOptions, type ProxyCallOutcome } from './proxy-call/call-proxy-action.js';
export { configDir } from './tokens/config-dir.js';
export { fileTokenStore, type FileTokenStoreOptions } from './tokens/file-token-store.js';
export { memoryTokenStore } from './tokens/memory-token-store.js';
export { listStoredLogins, type StoredLogin } from './tokens/list-stored-logins.js';
export { defaultStore, type DefaultStoreOptions } from './tokens/default-store.js';
export { createTokenManager, type TokenManager, type TokenManagerOptions } from './tokens/token-manager.js';
export { fetchWithRetry, retryAfterMs, type RetryOptions } from './tokens/fetch-with-retry.js';
export { createClient, type CreateClientOptions, type OAuth3Client } from './tokens/create-client.js';
export { logout, type LogoutResult } from './tokens/logout.js';
export { expiryInWords } from './tokens/expiry-in-words.js';
export { login, type LoginOptions } from './login/login.js';
export { startLoopbackCallback, type LoopbackCallback, type LoopbackCallbackOptions } from './login/loopback-callback.js';
export {
  discover,
  discoverResourceMetadata,
  discoverServerMetadata,
  parseHttpsUrl,
  type Discovered,
  type DiscoverOptions,
} from './discovery/discover.js';
export { resourceMetadataFromChallenge, parseWwwAuthenticate, type AuthChallenge } from './discovery/resource-metadata-from-challenge.js';
export { httpOptionsFor, isLoopbackUrl, type FetchLike } from './discovery/http-options.js';
export { runDoctor, type DoctorOptions } from './doctor/run-doctor.js';
export type { DoctorCheck } from './doctor/doctor-check.js';
export {
  canonicalStatement,
  reportDataOf,
  jwksThumbprints,
  type AttestationStatement,
  type AttestationDocument,
  type TeeEvent,
} from './attestation/attestation-statement.js';
export { verifyQuote, collateralFor, QuoteRefused, type TeeReport, type Collateral } from './attestation/verify-quote.js';
export { replayRtmrs, runtimeEventDigest, RUNTIME_EVENT_TYPE } from './attestation/event-log.js';
export { checkBinding, type AttestationCheck, type BindingExpectations } from './attestation/check-binding.js';
export { attestGateway, type AttestOptions, type AttestResult } from './attestation/attest-gateway.js';
