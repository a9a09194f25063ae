import type { DataKeyRing, Opener } from '../crypto/index.js';
import { AppError } from '../errors/index.js';
import { vaultErrors } from './vault-errors.js';

/** What a connection keeps sealed: an upstream token set, or the values a person entered for a key provider. */
export type CredentialSecret =
  | { kind: 'oauth'; access_token: string; token_type: string; refresh_token?: string; id_token?: string }
  | { kind: 'key'; values: Record<string, string> };

/** The row a sealed credential belongs to: the additional authenticated data binds it there. */
export interface SecretBinding {
  id: string;
  user_id: string;
  provider: string;
}

/** A ciphertext copied to another row, person or provider does not open (AES-GCM aad). */
export const secretAad = (b: SecretBinding): string => `vault_connections:${b.id}:${b.user_id}:${b.provider}`;

/** Seals a credential under the ring's primary data key, bound to its row. */
export function sealSecret(ring: DataKeyRing, binding: SecretBinding, secret: CredentialSecret): { sealed: string; keyId: string } {
  return { sealed: ring.seal(JSON.stringify(secret), secretAad(binding)), keyId: ring.primaryKid };
}

/**
 * Opens a row's credential. A changed ciphertext, a row copied elsewhere or a retired key is ERR_VAULT_DECRYPT; the
 * error says which row, never what was in it.
 */
export async function openSecret(ring: Opener, row: SecretBinding & { secret_sealed: string }): Promise<CredentialSecret> {
  try {
    return JSON.parse((await ring.open(row.secret_sealed, secretAad(row))).toString('utf8')) as CredentialSecret;
  } catch {
    throw new AppError(vaultErrors.ERR_VAULT_DECRYPT, `The stored credential of connection ${row.id} could not be decrypted.`);
  }
}
