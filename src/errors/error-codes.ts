/**
 * The registry of stable internal error codes: each with its HTTP status and the message a client sees.
 * Codes never change meaning once released; docs/errors.md documents every one (a test checks it).
 */
export const errorCodes = {
  ERR_BAD_REQUEST: { status: 400, message: 'The request is malformed.' },
  ERR_VALIDATION: { status: 400, message: 'The request body or parameters are invalid.' },
  ERR_INVALID_JSON: { status: 400, message: 'The request body is not valid JSON.' },
  ERR_UNAUTHENTICATED: { status: 401, message: 'Authentication is required.' },
  ERR_FORBIDDEN: { status: 403, message: 'You are not allowed to do this.' },
  ERR_CSRF: { status: 403, message: 'The CSRF token is missing or wrong; reload the page and try again.' },
  ERR_NOT_FOUND: { status: 404, message: 'No such resource.' },
  ERR_ROUTE_NOT_FOUND: { status: 404, message: 'No such route.' },
  ERR_METHOD_NOT_ALLOWED: { status: 405, message: 'This method is not allowed here.' },
  ERR_CONFLICT: { status: 409, message: 'This conflicts with existing data.' },
  ERR_BODY_TOO_LARGE: { status: 413, message: 'The request body is too large.' },
  ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'This content type is not supported here.' },
  ERR_RATE_LIMITED: { status: 429, message: 'Too many requests; slow down.' },
  ERR_INTERNAL: { status: 500, message: 'Internal error.' },
  ERR_UNAVAILABLE: { status: 503, message: 'The service is not available right now.' },
  ERR_CONFIG: { status: 500, message: 'The gateway configuration is invalid.' },
  ERR_DATABASE: { status: 503, message: 'The database is not reachable.' },
  ERR_KEY_MISSING: { status: 500, message: 'A key needed to decrypt stored data is missing.' },
  ERR_VAULT_DECRYPT: { status: 500, message: 'Stored encrypted data could not be decrypted.' },
  // accounts
  ERR_WEBAUTHN_CHALLENGE: { status: 400, message: 'The passkey challenge expired or was already used; start again.' },
  ERR_WEBAUTHN_FAILED: { status: 401, message: 'The passkey could not be verified.' },
  ERR_PASSKEY_UNKNOWN: { status: 401, message: 'This passkey is not registered with this gateway.' },
  ERR_LAST_PASSKEY: { status: 409, message: 'You cannot remove your last passkey: add another one first.' },
  ERR_PROFILE_TAKEN: { status: 409, message: 'This username or email is already used by another account.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof errorCodes;
