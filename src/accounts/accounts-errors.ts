import { defineErrorCodes } from '../errors/index.js';

/** The accounts' error codes (passkeys, sessions, profile, CSRF). */
export const accountsErrors = defineErrorCodes({
  ERR_ACCOUNTS_CSRF: { status: 403, message: 'The CSRF token is missing or wrong; reload the page and try again.' },
  ERR_ACCOUNTS_SESSION_REQUIRED: { status: 403, message: 'This needs your signed-in browser session, not a bearer token.' },
  ERR_ACCOUNTS_WEBAUTHN_CHALLENGE: { status: 400, message: 'The passkey challenge expired or was already used; start again.' },
  ERR_ACCOUNTS_WEBAUTHN_FAILED: { status: 401, message: 'The passkey could not be verified.' },
  ERR_ACCOUNTS_PASSKEY_UNKNOWN: { status: 401, message: 'This passkey is not registered with this gateway.' },
  ERR_ACCOUNTS_PASSKEY_EXISTS: { status: 409, message: 'This passkey is already registered.' },
  ERR_ACCOUNTS_PASSKEY_NOT_FOUND: { status: 404, message: 'No such passkey on your account.' },
  ERR_ACCOUNTS_LAST_PASSKEY: { status: 409, message: 'You cannot remove your last passkey: add another one first.' },
  ERR_ACCOUNTS_SESSION_NOT_FOUND: { status: 404, message: 'No such live session on your account.' },
  ERR_ACCOUNTS_NOT_FOUND: { status: 404, message: 'No such account.' },
  ERR_ACCOUNTS_SIGNUP_INVITE_REQUIRED: {
    status: 403,
    message: 'Signing up on this gateway needs an invitation: ask its operator for an invite link.',
  },
  ERR_ACCOUNTS_SIGNUP_INVITE_INVALID: {
    status: 403,
    message: 'This invitation is not valid: it expired or was already used. Ask for a new invite link.',
  },
  ERR_ACCOUNTS_SIGNUP_CLOSED: { status: 403, message: 'Sign-up is closed on this gateway.' },
  ERR_ACCOUNTS_PROFILE_TAKEN: { status: 409, message: 'This username or email is already used by another account.' },
});
