/** JSON schemas of the accounts API (route validation, response serialisation and the /docs page). */

/** Ids in URLs and cursors: base64url characters only (credential ids, session ids, event ids). */
export const ID_PATTERN = '^[A-Za-z0-9_-]+$';
/** True for a base64url-style id of at most `max` characters (never NUL or other bytes PostgreSQL text refuses). */
export const isId = (v: unknown, max = 1024): v is string => typeof v === 'string' && v.length <= max && /^[A-Za-z0-9_-]+$/.test(v);
const nullableString = { type: ['string', 'null'] } as const;

export const userSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    username: nullableString,
    email: nullableString,
    phone: nullableString,
    wallet: nullableString,
    createdAt: { type: 'integer', description: 'epoch ms' },
    updatedAt: { type: 'integer', description: 'epoch ms' },
  },
  required: ['id', 'username', 'email', 'phone', 'wallet', 'createdAt', 'updatedAt'],
} as const;

export const passkeySchema = {
  type: 'object',
  properties: {
    id: { type: 'string', description: 'credential id (base64url)' },
    name: { type: 'string' },
    aaguid: { type: 'string' },
    deviceType: { type: 'string', enum: ['singleDevice', 'multiDevice'] },
    backedUp: { type: 'boolean' },
    transports: { type: 'array', items: { type: 'string' } },
    createdAt: { type: 'integer' },
    lastUsedAt: { type: ['integer', 'null'] },
  },
  required: ['id', 'name', 'aaguid', 'deviceType', 'backedUp', 'transports', 'createdAt', 'lastUsedAt'],
} as const;

export const sessionSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    current: { type: 'boolean' },
    createdAt: { type: 'integer' },
    lastSeenAt: { type: 'integer' },
    ip: { type: ['string', 'null'] },
    userAgent: { type: ['string', 'null'] },
    expiresAt: { type: 'integer' },
  },
  required: ['id', 'current', 'createdAt', 'lastSeenAt', 'ip', 'userAgent', 'expiresAt'],
} as const;

/** A WebAuthn credential response as @simplewebauthn/browser returns it (checked in depth by the verifier). */
export const credentialResponseSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', maxLength: 1024, pattern: ID_PATTERN },
    rawId: { type: 'string' },
    type: { type: 'string' },
    response: { type: 'object' },
  },
  required: ['id', 'response', 'type'],
} as const;

/** WebAuthn options JSON (challenge and parameters for navigator.credentials). */
export const ceremonyOptionsSchema = {
  type: 'object',
  additionalProperties: true,
  description: 'PublicKeyCredential{Creation,Request}OptionsJSON',
} as const;

export const eventSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    time: { type: 'integer', description: 'epoch ms' },
    action: { type: 'string' },
    kind: { type: 'string' },
    label: { type: 'string' },
    result: { type: 'string', enum: ['success', 'failure'] },
    actor: { type: 'object', properties: { type: { type: 'string' }, id: { type: ['string', 'null'] } } },
    target: { type: 'object', properties: { type: { type: ['string', 'null'] }, id: { type: ['string', 'null'] } } },
    ip: { type: ['string', 'null'] },
    userAgent: { type: ['string', 'null'] },
    detail: { type: 'object', additionalProperties: true },
  },
  required: ['id', 'time', 'action', 'kind', 'label', 'result', 'ip', 'userAgent'],
} as const;

/** Accounts API routes take the session cookie or any bearer the gateway issues. */
export const security: Array<Record<string, string[]>> = [{ session: [] }, { bearer: [] }];
