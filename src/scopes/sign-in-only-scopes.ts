/**
 * Scopes that belong to an OAuth sign-in (an ID token, refresh tokens): of no use on what a person makes by hand
 * (a personal API token, an agent registered on its page), so those forms do not offer them.
 */
export const SIGN_IN_ONLY_SCOPES: ReadonlySet<string> = new Set(['openid', 'offline_access']);
