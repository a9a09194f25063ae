import { open, seal, sealedKeyId, type SymmetricKey } from './secret-box.js';

/**
 * Re-seals a value under `to` (a master-key rotation): opened with any key of `openWith`, sealed again with the same
 * `aad`. Returns undefined when it is already sealed under `to` (so a rewrap run twice changes nothing).
 */
export function rewrapSealed(
  sealed: string,
  aad: string,
  openWith: ReadonlyMap<string, SymmetricKey>,
  to: SymmetricKey,
): string | undefined {
  if (sealedKeyId(sealed) === to.id) return undefined;
  return seal(to, open(openWith, sealed, aad), aad);
}
