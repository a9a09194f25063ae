/**
 * Vault providers as data: the Provider types, the presets, validation of the providers entries (OAUTH3_PROVIDERS,
 * OAUTH3_PROVIDERS_FILE), the upstream authorization server of an OAuth provider (discovery or explicit endpoints)
 * and its client authentication, and the key providers' values and verification. The one entry other vault files use.
 */
export type { Provider, OAuthProvider, KeyProvider, KeyField, KeyVerification } from './provider.js';
export { presets, type PresetName } from './presets.js';
export { parseProviders, type ParseProvidersOptions } from './parse-providers.js';
export { loadProviders, type ProvidersConfig } from './load-providers.js';
export { providerById } from './provider-by-id.js';
export { ProviderConfigError } from './entry-reader.js';
export { checkKeyValues, KeyValueError } from './key-values.js';
export { EndpointResolver, upstreamRequestOptions, type EndpointResolverOptions } from './resolve-endpoints.js';
export { clientAuth, oauthClient } from './client-auth.js';
export { dialectRequestOptions, dialectResponseOptions } from './provider-dialect.js';
