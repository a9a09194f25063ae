import type { Principal } from '../kernel/index.js';

/** A verified bearer, as the cache keeps it. */
export interface VerifiedEntry {
  principal: Principal;
  /** Ids whose revocation also revokes this token: its own id, its grant, its ancestors (token exchange). */
  revocationIds: string[];
  /** Epoch ms after which the entry is void; Infinity for a token that does not expire. */
  expiresAtMs: number;
  /** RevocationIndex.version when the entry was last found unrevoked (-1: never checked). */
  checkedAt: number;
  /** Signing key id of a JWT: a hit is void once that key is retired. */
  kid?: string;
}

/**
 * Bearers already verified, until they expire, so a repeat presentation costs one Map lookup instead of an
 * ES256 verify or a database query. Bounded: when full, the oldest insertion is dropped (Map keeps insertion
 * order). Revocation is NOT cached here: the verifier asks the revocation index on every hit.
 */
export class VerifiedCache {
  private entries = new Map<string, VerifiedEntry>();

  constructor(private readonly maxEntries: number) {}

  /** The live entry for a bearer, or undefined (expired entries are dropped on sight). */
  get(bearer: string, nowMs: number): VerifiedEntry | undefined {
    const e = this.entries.get(bearer);
    if (!e) return undefined;
    if (e.expiresAtMs <= nowMs) {
      this.entries.delete(bearer);
      return undefined;
    }
    return e;
  }

  set(bearer: string, entry: VerifiedEntry): void {
    if (this.maxEntries <= 0) return;
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(bearer, entry);
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
