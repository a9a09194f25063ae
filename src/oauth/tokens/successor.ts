import { createHmac, hkdfSync } from 'node:crypto';
import type { SymmetricKey } from '../../crypto/index.js';
import { refreshTokenFrom, type RefreshTokenParts } from './refresh-token-key.js';

/** What rotating a refresh token issues, derived from the old token's row id and the time it was rotated. */
export interface Successor {
  /** The new refresh token; its row id is `rt` + 32 hex, milliseconds first, so ids still grow with time. */
  refresh: RefreshTokenParts;
  /** The new access token's jti (same shape as the refresh id, prefixed `at`). */
  jti: string;
}

/** The key successors are derived with: HKDF of the master key, for this use only (made once per app). */
export function successorKey(masterKey: SymmetricKey): Buffer {
  return Buffer.from(hkdfSync('sha256', masterKey.bytes, Buffer.alloc(0), 'oauth3 refresh-token successor', 32));
}

/**
 * The pair a rotation issues is derived (HMAC-SHA512 under a key only the gateway holds) from the rotated token's
 * row id and its `used_at`, instead of drawn at random: so the grace window needs no copy of it. A concurrent
 * refresh that lost the race to the same old token derives the same refresh token and jti, finds their rows (they
 * exist exactly when the rotation committed) and gets the same pair: the same refresh token and an access token
 * with the same jti, claims and expiry, signed again. Without the key, a rotated token tells nothing about its
 * successor: the secret is 256 bits of HMAC output (as unguessable as random ones), apart from the ids' bits.
 */
export function successorOf(key: Buffer, oldId: string, usedAt: number): Successor {
  // One HMAC-SHA512 (64 bytes) serves all three: the secret (32 bytes), then the ids' random parts (10 bytes each).
  const mac = createHmac('sha512', key).update(`${oldId}\u0000${usedAt}`).digest();
  const ms = usedAt.toString(16).padStart(12, '0').slice(-12);
  return {
    refresh: refreshTokenFrom(`rt${ms}${mac.subarray(32, 42).toString('hex')}`, mac.subarray(0, 32).toString('base64url')),
    jti: `at${ms}${mac.subarray(42, 52).toString('hex')}`,
  };
}
