/** Scopes: the registry's rules (RFC 6749 §3.3), requested-scope resolution and what a caller may grant. */
export { scopesModule } from './scopes-module.js';
export { parseScope } from './parse-scope.js';
export { narrowScopes } from './narrow-scopes.js';
export { grantableScopes, type GrantableScopesInput } from './grantable-scopes.js';
export { scopesCallerMayGrant } from './scopes-caller-may-grant.js';
export { requestedScopes } from './requested-scopes.js';
export { scopesErrors } from './scopes-errors.js';
export { SIGN_IN_ONLY_SCOPES } from './sign-in-only-scopes.js';
