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
