import { createCipheriv, createDecipheriv, createHash } from 'node:crypto';
import { randomSlice } from './random.js';

/** A symmetric key with a stable id derived from it, so sealed data names the key that opens it. */
export interface SymmetricKey {
  id: string;
  bytes: Buffer;
}

/** Builds a key from 32 raw bytes; its id is the first 12 base64url chars of SHA-256(key). */
export function symmetricKey(bytes: Buffer): SymmetricKey {
  if (bytes.length !== 32) throw new Error('a symmetric key must be 32 bytes');
  return { id: createHash('sha256').update(bytes).digest('base64url').slice(0, 12), bytes };
}

/** Thrown when sealed data names a key that is not in the ring. */
export class MissingKeyError extends Error {
  override name = 'MissingKeyError';
  constructor(readonly keyId: string) {
    super(`no key with id ${keyId}`);
  }
}

/**
 * AES-256-GCM with the key id in the envelope: `v1.<keyId>.<iv>.<ciphertext>.<tag>` (base64url parts).
 * `aad` binds the ciphertext to its context (e.g. the row id), so a sealed value cannot be moved.
 */
export function seal(key: SymmetricKey, plaintext: string | Buffer, aad = ''): string {
  const iv = randomSlice(12); // a fresh 96-bit IV from the pooled CSPRNG (a randomBytes call costs more than the cipher)
  const cipher = createCipheriv('aes-256-gcm', key.bytes, iv);
  cipher.setAAD(Buffer.from(aad));
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return ['v1', key.id, iv.toString('base64url'), ct.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
}

/** The key id a sealed value was made with. */
export function sealedKeyId(sealed: string): string {
  return sealed.split('.')[1] ?? '';
}

/** Opens a sealed value with whichever key of `keys` it names; throws MissingKeyError or a decrypt error. */
export function open(keys: ReadonlyMap<string, SymmetricKey>, sealed: string, aad = ''): Buffer {
  const [v, keyId, iv, ct, tag] = sealed.split('.');
  if (v !== 'v1' || !keyId || iv === undefined || ct === undefined || tag === undefined) throw new Error('not a sealed value');
  const key = keys.get(keyId);
  if (!key) throw new MissingKeyError(keyId);
  const decipher = createDecipheriv('aes-256-gcm', key.bytes, Buffer.from(iv, 'base64url'));
  decipher.setAAD(Buffer.from(aad));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]);
}
