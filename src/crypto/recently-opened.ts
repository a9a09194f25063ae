/** Anything that opens sealed values: the data-key ring, or a {@link RecentlyOpened} in front of it. */
export interface Opener {
  open(sealed: string, aad: string): Promise<Buffer>;
}

/**
 * The values opened recently, kept in memory in front of a ring: opening the same sealed value again then costs no
 * AES-GCM set-up (in the profile of the vault's `/auth/token`, opening was two thirds of serving a credential:
 * bench/README.md). Kept by the sealed value and its aad, so any change (a re-seal, a re-encryption, a tampered
 * ciphertext, a value copied to another row) misses and is opened, and so authenticated, afresh. It keeps nothing
 * the ring, which this process holds anyway, could not open again. Bounded in count and age. Callers get a copy.
 */
export class RecentlyOpened implements Opener {
  private readonly entries = new Map<string, { plain: Buffer; until: number }>();

  constructor(
    private readonly ring: Opener,
    private readonly o: { max: number; ttlMs: number } = { max: 10_000, ttlMs: 60_000 },
  ) {}

  async open(sealed: string, aad: string): Promise<Buffer> {
    const key = `${aad}\n${sealed}`;
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit && hit.until > now) return Buffer.from(hit.plain);
    const plain = await this.ring.open(sealed, aad);
    this.entries.delete(key);
    if (this.entries.size >= this.o.max) this.entries.delete(this.entries.keys().next().value!); // the oldest
    // Its own memory, not a slice of Node's shared 8 KiB Buffer pool (Buffer.from of a small value): a kept slice
    // keeps its whole slab alive, up to 8 KiB per entry instead of the value's size.
    const kept = Buffer.allocUnsafeSlow(plain.length);
    plain.copy(kept);
    this.entries.set(key, { plain: kept, until: now + this.o.ttlMs });
    return plain;
  }
}
