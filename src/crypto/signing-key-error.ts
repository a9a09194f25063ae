import type { SealedUnderOtherKey } from './sealed-under-other-key.js';

/** Thrown at start when a stored signing key cannot be decrypted with the master key. */
export class SigningKeyError extends Error {
  override name = 'SigningKeyError';
  /** @param otherKey set when the signing key is encrypted under a master key this ring was not given */
  constructor(
    message: string,
    readonly otherKey?: SealedUnderOtherKey,
  ) {
    super(message);
  }
}
