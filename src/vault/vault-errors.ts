import { defineErrorCodes } from '../errors/index.js';

/** The vault's error codes: one distinct code for each way a credential cannot be served. */
export const vaultErrors = defineErrorCodes({
  ERR_VAULT_UNKNOWN_PROVIDER: { status: 404, message: 'No such provider is configured.' },
  ERR_VAULT_NOT_CONNECTED: { status: 404, message: 'This person has not connected an account of this provider.' },
  ERR_VAULT_NOT_ALLOWED: { status: 403, message: 'This person has not allowed this server to use that connection.' },
  ERR_VAULT_NEEDS_REAUTH: {
    status: 424,
    message: 'The upstream refused the stored authorization: the person must connect the account again (start /auth/init).',
  },
  ERR_VAULT_UPSTREAM_UNAVAILABLE: { status: 503, message: 'The upstream provider is not answering; try again later.' },
  ERR_VAULT_DECRYPT: { status: 500, message: 'A stored credential could not be decrypted (it was changed or moved).' },
  ERR_VAULT_BAD_API_KEY: { status: 401, message: 'A valid vault API key is required (Authorization: Bearer o3k_… or X-API-Key).' },
  ERR_VAULT_API_KEY_PROVIDER: { status: 403, message: 'This API key may not ask for this provider (see oauth3 apikey list).' },
  ERR_VAULT_UNKNOWN_PERSON: { status: 404, message: 'No person with this user_id or email.' },
  ERR_VAULT_SESSION_NOT_FOUND: { status: 404, message: 'No such connect session.' },
  ERR_VAULT_SESSION_EXPIRED: { status: 410, message: 'This connect link has expired: ask for a new one.' },
  ERR_VAULT_SESSION_USED: { status: 409, message: 'This connect link was already used.' },
  ERR_VAULT_WRONG_PERSON: { status: 403, message: 'This connect link is for another person: sign in as the person it was made for.' },
  ERR_VAULT_STATE_MISMATCH: { status: 400, message: 'The upstream answer does not belong to a connect flow of this browser.' },
});
