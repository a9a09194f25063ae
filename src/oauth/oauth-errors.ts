import { defineErrorCodes } from '../errors/index.js';

/** The authorization server's error codes outside OAuth's own (RFC 6749 errors are OAuthError subclasses). */
export const oauthErrors = defineErrorCodes({
  ERR_OAUTH_APP_NOT_FOUND: { status: 404, message: 'No such authorized app.' },
  ERR_OAUTH_RESOURCE_NOT_FOUND: { status: 404, message: 'No such protected resource.' },
});
