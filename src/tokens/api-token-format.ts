import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';

/** Prefix of personal API tokens, so secret scanners can recognise them (like GitHub's `ghp_`). */
export const API_TOKEN_PREFIX = 'o3p_';
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** 43 base62 characters carry 256 bits (62^43 > 2^256). */
const RANDOM_LENGTH = 43;
/** CRC32 in base62 fits 6 characters (62^6 > 2^32). */
const CHECKSUM_LENGTH = 6;
const SHAPE = new RegExp(`^${API_TOKEN_PREFIX}[0-9A-Za-z]{${RANDOM_LENGTH + CHECKSUM_LENGTH}}$`);

function base62(n: number, width: number): string {
  let out = '';
  for (let i = 0; i < width; i++) {
    out = ALPHABET[n % 62] + out;
    n = Math.floor(n / 62);
  }
  return out;
}

function checksum(body: string): string {
  return base62(crc32(body), CHECKSUM_LENGTH);
}

/** A new personal API token: `o3p_` + 43 random base62 chars (256 bits) + a 6-char base62 CRC32 of what precedes it. */
export function generateApiToken(): string {
  let random = '';
  while (random.length < RANDOM_LENGTH) {
    for (const b of randomBytes(64)) {
      if (b < 248 && random.length < RANDOM_LENGTH) random += ALPHABET[b % 62]; // 248 = 4*62: no modulo bias
    }
  }
  const body = API_TOKEN_PREFIX + random;
  return body + checksum(body);
}

/** True when the string has the `o3p_` prefix (whatever follows): it is meant as an API token. */
export function looksLikeApiToken(bearer: string): boolean {
  return bearer.startsWith(API_TOKEN_PREFIX);
}

/**
 * Checks shape and checksum without any I/O: a typo or a forged token is refused before the database is asked.
 */
export function hasValidApiTokenChecksum(token: string): boolean {
  if (!SHAPE.test(token)) return false;
  const split = token.length - CHECKSUM_LENGTH;
  return checksum(token.slice(0, split)) === token.slice(split);
}
