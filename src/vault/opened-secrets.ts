import type { DataKeyRing } from '../crypto/index.js';
import { openSecret, secretAad, type CredentialSecret, type SecretBinding } from './credential-secret.js';

/**
 * The credentials served recently, already opened: serving a token then costs no AES-GCM setup and no JSON parse
 * (in the profile of `/auth/token` opening was most of `credentialFor`; bench/README.md). Kept by the sealed value
 * and its row binding, so any change of the row (a refresh, a reconnect, a re-encryption, a tampered ciphertext)
 * misses and is opened, and so checked, afresh; nothing is kept that the data-key ring, which this process holds
 * anyway, could not open again. Bounded in count and age; one per vault.
 */
export class OpenedSecrets {
  private readonly entries = new Map<string, { secret: CredentialSecret; until: number }>();

  constructor(
    private readonly ring: DataKeyRing,
    private readonly o: { max: number; ttlMs: number } = { max: 10_000, ttlMs: 60_000 },
  ) {}

  /** The row's credential, from memory when the same sealed value was opened within the last `ttlMs`. */
  async open(row: SecretBinding & { secret_sealed: string }): Promise<CredentialSecret> {
    const key = `${secretAad(row)}\n${row.secret_sealed}`;
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit && hit.until > now) return hit.secret;
    const secret = await openSecret(this.ring, row);
    if (secret.kind === 'key') Object.freeze(secret.values); // callers are handed these very objects
    Object.freeze(secret);
    this.entries.delete(key);
    if (this.entries.size >= this.o.max) this.entries.delete(this.entries.keys().next().value!); // the oldest
    this.entries.set(key, { secret, until: now + this.o.ttlMs });
    return secret;
  }
}
