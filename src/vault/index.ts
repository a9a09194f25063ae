/**
 * The credential vault: upstream connections sealed under a rotating data-key ring, refreshed before they expire,
 * served to the servers a person allowed. Other domains (the proxy) reach it through `vaultOf(ctx)`.
 */
export { vaultModule } from './vault-module.js';
export { vaultOf } from './vault-of.js';
export { expireRejected, markNeedsReauth } from './rejected-credential.js';
export type { Vault, ServedCredential, CredentialUser, NewConnection } from './vault.js';
export { reencrypt, rowsPerKey, type ReencryptProgress } from './reencrypt.js';
export { vaultErrors } from './vault-errors.js';
export type { Provider, OAuthProvider, KeyProvider } from './providers/index.js';
export { loadProviders } from './providers/index.js';
export { createApiKey, listApiKeys, revokeApiKey, type ApiKeySummary } from './server-api/api-keys.js';
export { vaultExchangeTarget, PROVIDER_RESOURCE_PREFIX } from './vault-exchange-target.js';
export { exchangeServers, type ExchangeServer } from './exchange-servers.js';
