import { randomId, randomToken, sha256 } from '../../crypto/index.js';

const ID = /^rt[0-9a-f]{32}$/;

/**
 * Refresh tokens are `<row id>.<secret>` (the secret: 256 random bits); the row keeps SHA-256 of the whole token.
 * The token names its row, so the lookup goes through the primary key, whose ids grow with time: no index on
 * the random hash, whose inserts land on a random page each (the most expensive write of a rotation).
 */
export function newRefreshToken(): RefreshTokenParts {
  return refreshTokenFrom(randomId('rt'), randomToken());
}

/** A refresh token: its row id, the token itself and the SHA-256 its row keeps. */
export interface RefreshTokenParts {
  id: string;
  token: string;
  hash: string;
}

/** The refresh token of row `id` with `secret` (base64url): random (newRefreshToken) or derived (successor.ts). */
export function refreshTokenFrom(id: string, secret: string): RefreshTokenParts {
  const token = `${id}.${secret}`;
  return { id, token, hash: sha256(token) };
}

/** The row id and hash a presented refresh token must match, or undefined when it is not one of ours. */
export function refreshTokenKey(token: string): { id: string; hash: string } | undefined {
  if (!token || token.length > 512) return undefined;
  const hash = sha256(token);
  const dot = token.indexOf('.');
  if (dot === -1) return undefined;
  const id = token.slice(0, dot);
  return ID.test(id) ? { id, hash } : undefined;
}
