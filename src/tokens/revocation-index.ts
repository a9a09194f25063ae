import type { Db, Executor } from '../store/index.js';

export interface RevokedTokensTable {
  token_id: string;
  /** When the token would have expired anyway (epoch ms); rows past it can be pruned. Null: never expires. */
  expires_at: number | null;
  revoked_at: number;
}

declare module '../store/database.js' {
  interface Database {
    revoked_tokens: RevokedTokensTable;
  }
}

/**
 * Revoked token ids held in memory, so the verifier answers "revoked?" without a query. A revoke writes a
 * row (in the caller's transaction) and updates this instance at once; other instances pick rows up by polling
 * `revoked_at` (every `pollMs`), so a revoke takes effect everywhere within that interval.
 */
export class RevocationIndex {
  private revoked = new Map<string, number | null>();
  private seenUntil = 0;
  private timer?: NodeJS.Timeout;

  constructor(private readonly db: Db, private readonly o: { pollMs: number }) {}

  /** Loads every unexpired revocation and starts polling for new ones. */
  async start(): Promise<void> {
    await this.sync();
    this.timer = setInterval(() => void this.sync().catch(() => undefined), this.o.pollMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Reads revocations newer than the last seen (or all unexpired on the first call). */
  async sync(): Promise<void> {
    const now = Date.now();
    let q = this.db.selectFrom('revoked_tokens').selectAll();
    if (this.seenUntil) q = q.where('revoked_at', '>=', this.seenUntil - 5000); // overlap covers clock skew and late commits
    else q = q.where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]));
    for (const r of await q.execute()) {
      this.revoked.set(r.token_id, r.expires_at === null ? null : Number(r.expires_at));
      this.seenUntil = Math.max(this.seenUntil, Number(r.revoked_at));
    }
    if (!this.seenUntil) this.seenUntil = now;
  }

  /** True when the id was revoked. O(1), no I/O. */
  has(tokenId: string): boolean {
    return this.revoked.has(tokenId);
  }

  /** Revokes ids (writes with `db`, pass the transaction of the change); effective here at once. */
  async revoke(db: Executor, tokens: Array<{ id: string; expiresAt: number | null }>): Promise<void> {
    if (tokens.length === 0) return;
    const now = Date.now();
    for (const t of tokens) this.revoked.set(t.id, t.expiresAt);
    for (let i = 0; i < tokens.length; i += 200) {
      await db.insertInto('revoked_tokens')
        .values(tokens.slice(i, i + 200).map((t) => ({ token_id: t.id, expires_at: t.expiresAt, revoked_at: now })))
        .onConflict((oc) => oc.column('token_id').doNothing())
        .execute();
    }
  }

  /** Drops expired entries from memory and the table. */
  async prune(): Promise<void> {
    const now = Date.now();
    for (const [id, exp] of this.revoked) if (exp !== null && exp < now) this.revoked.delete(id);
    await this.db.deleteFrom('revoked_tokens').where('expires_at', '<', now).execute();
  }

  get size(): number {
    return this.revoked.size;
  }
}
