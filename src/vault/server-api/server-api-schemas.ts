/** JSON schemas of the vault's server API (validation, response serialisation and the /docs page). */

const PROVIDER_ID = { type: 'string', pattern: '^[a-z][a-z0-9_-]*$', maxLength: 64, description: 'a configured provider id' } as const;

/** Ids: base64url characters only (never NUL or other bytes PostgreSQL text refuses). */
const ID = '^[A-Za-z0-9_-]+$';
/** No control characters (an email, a path segment). */
const PRINTABLE = '^[^\\u0000-\\u001f\\u007f]+$';

/** `user_id` (preferred) or `email`: exactly one. */
const personFields = {
  user_id: { type: 'string', minLength: 1, maxLength: 128, pattern: ID, description: 'the person’s user id (preferred)' },
  email: { type: 'string', minLength: 3, maxLength: 254, pattern: PRINTABLE, description: 'the email on the person’s profile' },
} as const;

/** Everything the server API answers an error with: a stable code, a message, and details (which way forward). */
const errorSchema = {
  type: 'object',
  properties: {
    error: { type: 'string', description: 'a stable code, e.g. ERR_VAULT_NEEDS_REAUTH' },
    message: { type: 'string' },
    details: { type: 'object', additionalProperties: true },
  },
  required: ['error', 'message'],
} as const;

const errors = (...statuses: number[]) => Object.fromEntries(statuses.map((s) => [s, errorSchema]));

/** The vault API key (`o3k_…`), as `Authorization: Bearer` or `X-API-Key` (the docs' bearer scheme stands for both). */
export const apiKeySecurity: Array<Record<string, string[]>> = [{ bearer: [] }];

const tags = ['vault server API'];

export const initSchema = {
  tags,
  summary: 'Start connecting a person’s upstream account: a link to send the person, valid for 10 minutes',
  description:
    'The link is a gateway page: the person signs in with a passkey (it must be the person named here), approves this server using their account, and goes upstream. On completion this server is allowed to use the connection.',
  security: apiKeySecurity,
  body: {
    type: 'object',
    properties: {
      ...personFields,
      provider: PROVIDER_ID,
      scopes: {
        type: ['array', 'string'],
        items: { type: 'string', minLength: 1, maxLength: 200, pattern: '^[\\x21\\x23-\\x5b\\x5d-\\x7e]+$' }, // RFC 6749 scope-token
        maxItems: 50,
        maxLength: 2000,
        pattern: '^[\\x20\\x21\\x23-\\x5b\\x5d-\\x7e]*$',
        description: 'upstream scopes (a list or space-separated); default: the provider’s',
      },
    },
    required: ['provider'],
  },
  response: {
    200: {
      type: 'object',
      properties: {
        session_id: { type: 'string' },
        auth_url: { type: 'string', description: 'the page to send the person to' },
        expires_at: { type: 'integer', description: 'seconds since the epoch' },
      },
      required: ['session_id', 'auth_url', 'expires_at'],
    },
    ...errors(400, 401, 403, 404, 429),
  },
} as const;

export const statusSchema = {
  tags,
  summary: 'Where a connect session this API key started stands',
  security: apiKeySecurity,
  params: { type: 'object', properties: { session_id: { type: 'string', maxLength: 200, pattern: ID } }, required: ['session_id'] },
  response: {
    200: {
      type: 'object',
      properties: {
        status: { type: 'string', enum: ['pending', 'complete', 'error', 'expired'] },
        user_id: { type: 'string' },
        provider: { type: 'string' },
        account: { type: 'string', description: 'the upstream account, once complete' },
        error: { type: 'string', description: 'why it ended in error' },
      },
      required: ['status', 'provider'],
    },
    ...errors(401, 404, 429),
  },
} as const;

export const tokenSchema = {
  tags,
  summary: 'A fresh upstream access token of a person who allowed this server',
  description:
    'Refreshed first when it would expire within min_ttl seconds or the provider’s refresh margin. For a key provider (a bot token, an API key), access_token is the entered key, token_type is "api_key" and values has every entered field. Errors: 403 ERR_VAULT_NOT_ALLOWED (the person has not allowed this server; start /auth/init), 404 ERR_VAULT_NOT_CONNECTED, 424 ERR_VAULT_NEEDS_REAUTH (details.init says how to start /auth/init again), 503 ERR_VAULT_UPSTREAM_UNAVAILABLE with Retry-After.',
  security: apiKeySecurity,
  body: {
    type: 'object',
    properties: {
      ...personFields,
      provider: PROVIDER_ID,
      min_ttl: { type: 'integer', minimum: 0, maximum: 3600, description: 'seconds the token must still be valid (default 0)' },
    },
    required: ['provider'],
  },
  response: {
    200: {
      type: 'object',
      properties: {
        access_token: { type: 'string' },
        token_type: { type: 'string', description: 'Bearer (as the upstream said), or api_key' },
        expires_at: { type: ['integer', 'null'], description: 'seconds since the epoch; null: no expiry known' },
        scope: { type: 'string' },
        values: { type: 'object', additionalProperties: { type: 'string' }, description: 'key providers: every entered field' },
      },
      required: ['access_token', 'token_type', 'expires_at', 'scope'],
    },
    ...errors(400, 401, 403, 404, 424, 429, 503),
  },
} as const;

export const providersSchema = {
  tags,
  summary: 'The person’s connections this server may use (never a secret)',
  security: apiKeySecurity,
  params: {
    type: 'object',
    properties: {
      person: { type: 'string', minLength: 1, maxLength: 254, pattern: PRINTABLE, description: 'an email (has an @) or a user id' },
    },
    required: ['person'],
  },
  response: {
    200: {
      type: 'object',
      properties: {
        user_id: { type: 'string' },
        providers: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              provider: { type: 'string' },
              name: { type: 'string' },
              account: { type: ['string', 'null'] },
              scopes: { type: 'string' },
              status: { type: 'string', enum: ['active', 'needs_reauth', 'unavailable'] },
              expires_at: { type: ['integer', 'null'], description: 'seconds since the epoch' },
              connected_at: { type: 'integer', description: 'seconds since the epoch' },
              last_used_at: { type: ['integer', 'null'], description: 'seconds since the epoch' },
            },
            required: ['provider', 'name', 'account', 'scopes', 'status', 'expires_at', 'connected_at', 'last_used_at'],
          },
        },
      },
      required: ['user_id', 'providers'],
    },
    ...errors(401, 404, 429),
  },
} as const;

export const revokeSchema = {
  tags,
  summary: 'Disconnect a person’s account (revoked upstream where the provider supports RFC 7009); audited',
  security: apiKeySecurity,
  body: { type: 'object', properties: { ...personFields, provider: PROVIDER_ID }, required: ['provider'] },
  response: {
    200: {
      type: 'object',
      properties: {
        provider: { type: 'string' },
        disconnected: { type: 'boolean', enum: [true] },
        revoked_upstream: {
          type: 'boolean',
          description: 'whether the upstream grant was revoked too (RFC 7009; false: the provider has no revocation, or it failed)',
        },
      },
      required: ['provider', 'disconnected', 'revoked_upstream'],
    },
    ...errors(400, 401, 403, 404, 429),
  },
} as const;
