import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

// Small random values come from a pool refilled 4 KiB at a time: one randomBytes call per few hundred ids
// instead of one per id (the per-call cost dominated issuing a token). Every byte is handed out once.
let pool = Buffer.alloc(0);
let offset = 0;

/** `n` fresh random bytes (from the pool when small). The result may share memory with the pool: never write to it. */
export function randomSlice(n: number): Buffer {
  if (n > 256) return randomBytes(n);
  if (offset + n > pool.length) {
    pool = randomBytes(4096);
    offset = 0;
  }
  offset += n;
  return pool.subarray(offset - n, offset);
}

/** A random opaque secret: 256 bits, base64url (43 chars). */
export function randomToken(bytes = 32): string {
  return randomSlice(bytes).toString('base64url');
}

let lastMs = 0;
let seq = 0;

/**
 * A random id that sorts by creation time: 12 hex chars of milliseconds, a 4-hex-char sequence within the
 * millisecond (so ids made one after another in this process keep their order), 16 random hex chars.
 * Sortable ids keep "newest first" queries on one index on both databases.
 */
export function randomId(prefix = ''): string {
  const now = Date.now();
  if (now > lastMs) {
    lastMs = now;
    seq = 0;
  } else if (++seq > 0xffff) {
    lastMs += 1; // more than 65,536 ids in one millisecond: borrow the next one
    seq = 0;
  }
  return prefix + lastMs.toString(16).padStart(12, '0') + seq.toString(16).padStart(4, '0') + randomSlice(8).toString('hex');
}

/** SHA-256 of a high-entropy secret, base64url. Never use for passwords: secrets here carry 256 bits. */
export function sha256(value: string | Buffer): string {
  return createHash('sha256').update(value).digest('base64url');
}

/** Constant-time string comparison (length leak only). */
export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}
