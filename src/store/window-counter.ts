import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from './database.js';

/** One fixed window of one counted thing (the gateway module's migration creates the table). */
export interface RateLimitCountsTable {
  /** What is counted and whose: `<scope>:<SHA-256 of the subject>` (WindowCounter.bucket). */
  bucket: string;
  count: number;
  /** When the window ends (epoch ms); the first take after it starts a new window. */
  ends_at: number;
}

declare module './database.js' {
  interface Database {
    rate_limit_counts: RateLimitCountsTable;
  }
}

/** A bucket's state after a take (or a read). */
export interface WindowCount {
  /** Takes counted in the window; `max + 1` when the window was already full (nothing was written). */
  count: number;
  /** When the window ends (epoch ms). */
  endsAt: number;
}

/** How many full buckets an instance remembers (refused from memory until their windows end). */
const MAX_REMEMBERED = 50_000;

/**
 * Fixed-window counters on the gateway's database, so every instance and every worker on one database counts the
 * same windows (a limit of 6 is 6 in all, however requests are spread). A window starts at a bucket's first take
 * and lasts `windowMs`. A take is one UPSERT whose increment is conditional (only below the limit, or restarting an
 * ended window): concurrent takes from any number of instances never count past `max`, and a full bucket costs no
 * write. A bucket seen full is remembered until its window ends (counts never go down within a window), so a flood
 * against a full bucket is refused from memory. Subjects (addresses, client ids) are stored hashed.
 *
 * A database error is not caught: the caller's request fails (503 while the database cannot be reached) rather
 * than being let through unlimited: these limits guard guessing and mass registration, and the requests they guard
 * need the database to be answered anyway.
 *
 * The proxy's per-grant policy rates (proxy/policy, `proxy_rate_counts`) count differently on purpose: their
 * windows are the calendar's (a minute, an hour, a UTC day: "5 a day" as the consent page says it), several rates
 * of one call are taken all or none in one transaction, and their rows are the grant's (by grant id and action).
 * Folding both into one table would give one of them the other's windows or lose the all-or-none take.
 */
export class WindowCounter {
  /** Full buckets this instance has seen, with the end of their windows. */
  private readonly full = new Map<string, number>();

  constructor(private readonly db: Db) {}

  /** The bucket of `subject` under `scope`: the subject is hashed (never stored as sent). */
  static bucket(scope: string, subject: string): string {
    return `${scope}:${createHash('sha256').update(subject).digest('base64url')}`;
  }

  /** Takes one count in `bucket`'s window unless it already holds `max`; says the count and when the window ends. */
  async take(bucket: string, max: number, windowMs: number, now = Date.now()): Promise<WindowCount> {
    const fullUntil = this.fullUntil(bucket, now);
    if (fullUntil !== undefined) return { count: max + 1, endsAt: fullUntil };
    const row = await this.db
      .insertInto('rate_limit_counts')
      .values({ bucket, count: 1, ends_at: now + windowMs })
      .onConflict((oc) =>
        oc
          .column('bucket')
          .doUpdateSet({
            count: sql`case when rate_limit_counts.ends_at <= ${now} then 1 else rate_limit_counts.count + 1 end`,
            ends_at: sql`case when rate_limit_counts.ends_at <= ${now} then excluded.ends_at else rate_limit_counts.ends_at end`,
          })
          .where((eb) => eb.or([eb('rate_limit_counts.ends_at', '<=', now), eb('rate_limit_counts.count', '<', max)])),
      )
      .returning(['count', 'ends_at'])
      .executeTakeFirst();
    if (row) {
      const counted = { count: Number(row.count), endsAt: Number(row.ends_at) };
      if (counted.count >= max) this.remember(bucket, counted.endsAt, now);
      return counted;
    }
    // full: the row is there (the conflict), live and at its limit
    const endsAt = (await this.read(bucket, now))?.endsAt ?? now + windowMs;
    this.remember(bucket, endsAt, now);
    return { count: max + 1, endsAt };
  }

  /**
   * When the bucket's window ends if it holds `max` or more (a full bucket seen before is answered from memory), or
   * undefined while it has room.
   */
  async isFull(bucket: string, max: number, now = Date.now()): Promise<number | undefined> {
    const fullUntil = this.fullUntil(bucket, now);
    if (fullUntil !== undefined) return fullUntil;
    const live = await this.read(bucket, now);
    if (!live || live.count < max) return undefined;
    this.remember(bucket, live.endsAt, now);
    return live.endsAt;
  }

  /** The bucket's live window, or undefined when it has none (never taken, or ended). */
  async read(bucket: string, now = Date.now()): Promise<WindowCount | undefined> {
    const row = await this.db
      .selectFrom('rate_limit_counts')
      .select(['count', 'ends_at'])
      .where('bucket', '=', bucket)
      .where('ends_at', '>', now)
      .executeTakeFirst();
    return row ? { count: Number(row.count), endsAt: Number(row.ends_at) } : undefined;
  }

  /** The live buckets under `scope` holding at least `min` (at most `limit` of them, the fullest first). */
  async atLeast(scope: string, min: number, limit = 1000, now = Date.now()): Promise<Array<{ bucket: string } & WindowCount>> {
    const rows = await this.db
      .selectFrom('rate_limit_counts')
      .select(['bucket', 'count', 'ends_at'])
      .where('bucket', 'like', `${scope}:%`)
      .where('count', '>=', min)
      .where('ends_at', '>', now)
      .orderBy('count', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ bucket: r.bucket, count: Number(r.count), endsAt: Number(r.ends_at) }));
  }

  /** Deletes ended windows (the gateway's periodic prune); returns the rows deleted. */
  static async prune(db: Db, now = Date.now()): Promise<number> {
    const res = await db.deleteFrom('rate_limit_counts').where('ends_at', '<=', now).executeTakeFirst();
    return Number(res.numDeletedRows);
  }

  private fullUntil(bucket: string, now: number): number | undefined {
    const until = this.full.get(bucket);
    if (until === undefined || until > now) return until;
    this.full.delete(bucket);
    return undefined;
  }

  private remember(bucket: string, until: number, now: number): void {
    if (this.full.size >= MAX_REMEMBERED) {
      for (const [b, u] of this.full) if (u <= now) this.full.delete(b);
      if (this.full.size >= MAX_REMEMBERED) this.full.delete(this.full.keys().next().value!); // the oldest: read again
    }
    this.full.set(bucket, until);
  }
}
