import { createHash } from 'node:crypto';
import { safeEqual } from '../../crypto/index.js';

/** RFC 7636 §4.1: 43–128 unreserved characters. */
export const VERIFIER_RE = /^[A-Za-z0-9._~-]{43,128}$/;
/** An S256 challenge: 43 base64url characters (SHA-256). */
export const CHALLENGE_RE = /^[A-Za-z0-9_-]{43}$/;

/** True when `verifier` is well-formed and BASE64URL(SHA256(verifier)) equals `challenge` (S256 only). */
export function verifyPkce(verifier: string, challenge: string): boolean {
  if (!VERIFIER_RE.test(verifier)) return false;
  return safeEqual(createHash('sha256').update(verifier).digest('base64url'), challenge);
}
