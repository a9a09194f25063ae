import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** 43 base62 characters carry 256 bits (62^43 > 2^256). */
const RANDOM_LENGTH = 43;
/** CRC32 in base62 fits 6 characters (62^6 > 2^32). */
const CHECKSUM_LENGTH = 6;

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

/** A kind of secret a person copies (personal API tokens `o3p_`, vault API keys `o3k_`). */
export interface ChecksummedSecret {
  readonly prefix: string;
  /** A new secret: the prefix + 43 random base62 chars (256 bits) + a 6-char base62 CRC32 of what precedes it. */
  generate(): string;
  /** True when the string has the prefix (whatever follows): it is meant as one of these. */
  looksLike(value: string): boolean;
  /** Checks shape and checksum without any I/O: a typo or a forged secret is refused before the database is asked. */
  isValid(value: string): boolean;
}

/**
 * Secrets recognisable by secret scanners (like GitHub's `ghp_`): a fixed prefix, 256 random bits and a checksum
 * that lets a typo be refused without a lookup. Stored as SHA-256 hashes only.
 */
export function checksummedSecret(prefix: string): ChecksummedSecret {
  const shape = new RegExp(`^${prefix}[0-9A-Za-z]{${RANDOM_LENGTH + CHECKSUM_LENGTH}}$`);
  return {
    prefix,
    generate() {
      let random = '';
      while (random.length < RANDOM_LENGTH) {
        for (const b of randomBytes(64)) {
          if (b < 248 && random.length < RANDOM_LENGTH) random += ALPHABET[b % 62]; // 248 = 4*62: no modulo bias
        }
      }
      const body = prefix + random;
      return body + checksum(body);
    },
    looksLike: (value) => value.startsWith(prefix),
    isValid(value) {
      if (!shape.test(value)) return false;
      const split = value.length - CHECKSUM_LENGTH;
      return checksum(value.slice(0, split)) === value.slice(split);
    },
  };
}
