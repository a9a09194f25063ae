import type { AppContext } from '../../server/context.js';
import { open, randomId, seal } from '../../crypto/index.js';
import { preparedQuery, sinkItem, type BatchSink, type SinkItem, type WriteStep } from '../../store/index.js';
import type { TokenResponse } from '../grants/grant-descriptor.js';

/** A pair a rotation issued, for the grace window: the old token's row id and the time it was rotated (its used_at). */
interface GraceCopy {
  tokenId: string;
  usedAt: number;
  pair: TokenResponse;
  /** `[tokenId, pair]` as JSON, made before the batch's transaction (prepare). */
  json?: string;
}

/**
 * More than the rotations of one batch can be apart (a batch waits for SQLite's lock at most the busy timeout,
 * 5 s): bounds the search for a pair that is not there.
 */
const BATCH_SPAN_MS = 60_000;
/** Batches read at a time while looking for a pair. */
const PAGE = 4;
/**
 * How often a batch also deletes the batches whose window has passed. A delete dirties the pages of the rows it
 * removes and of the freelist: once a second rather than with every batch (~5% of a rotation's CPU at full load).
 */
const DELETE_EVERY_MS = 1000;

const insertBatch = preparedQuery((db, slot) => db.insertInto('oauth_refresh_grace_batches').values({ id: slot(0), first_used_at: slot(1), last_used_at: slot(2), sealed: slot(3) }));
const deleteBefore = preparedQuery((db, slot) => db.deleteFrom('oauth_refresh_grace_batches').where('last_used_at', '<', slot(0)));
const batchesAround = preparedQuery((db, slot) => db.selectFrom('oauth_refresh_grace_batches').select(['id', 'sealed'])
  .where('last_used_at', '>=', slot(0)).where('last_used_at', '<=', slot(1)).where('first_used_at', '<=', slot(0))
  .orderBy('last_used_at').orderBy('id').limit(slot(2)).offset(slot(3)));

const aad = (batchId: string) => `oauth_refresh_grace_batches:${batchId}`;

/**
 * The grace window (OAUTH3_OAUTH_REFRESH_GRACE): a concurrent refresh with an old refresh token gets the very pair
 * its rotation issued. The copies are a batch sink of the group commit: every pair the rotations of one batch
 * issued is sealed together (one AES-GCM message, bound to its row id) into one row, in the transaction that
 * rotates them, so a copy exists exactly when its rotation committed. One cipher call and one row per batch, not
 * per rotation: sealed one by one, a pair cost its rotation ~15 µs of CPU under load (the cipher's setup, not its
 * bytes), against ~6 µs as its share of a batch. A batch a second also deletes the batches whose window has passed,
 * so sealed tokens do not linger at rest.
 */
export class GraceCopies implements BatchSink<GraceCopy> {
  /** When a batch of this process last included the delete. */
  private deletedAt = 0;

  constructor(private readonly ctx: AppContext) {}

  private get windowMs(): number {
    return this.ctx.config.oauthRefreshGraceSeconds * 1000;
  }

  /** The item a rotation adds to its unit, or none when there is no grace window. */
  keep(tokenId: string, usedAt: number, pair: TokenResponse): SinkItem[] {
    return this.windowMs ? [sinkItem<GraceCopy>(this, { tokenId, usedAt, pair })] : [];
  }

  /** Serializes each copy before the transaction (its access token is signed by then, with the others of its turn). */
  prepare(copies: GraceCopy[]): void {
    for (const c of copies) c.json ??= JSON.stringify([c.tokenId, c.pair]);
  }

  steps(copies: GraceCopy[]): WriteStep[] {
    const { db, masterKey } = this.ctx;
    const id = randomId('gb');
    const times = copies.map((c) => c.usedAt);
    this.prepare(copies); // a no-op after the group commit's prepare
    const sealed = seal(masterKey, `[${copies.map((c) => c.json).join(',')}]`, aad(id));
    const steps = [insertBatch.step(db, [id, Math.min(...times), Math.max(...times), sealed])];
    const now = Date.now();
    if (now - this.deletedAt >= DELETE_EVERY_MS) {
      this.deletedAt = now;
      steps.unshift(deleteBefore.step(db, [now - this.windowMs]));
    }
    return steps;
  }

  /** The pair that rotating `tokenId` at `usedAt` issued, while inside the grace window; else undefined. */
  async find(tokenId: string, usedAt: number): Promise<TokenResponse | undefined> {
    if (Date.now() - usedAt > this.windowMs) return undefined;
    const keys = new Map([[this.ctx.masterKey.id, this.ctx.masterKey]]);
    for (let offset = 0; ; offset += PAGE) {
      const { rows } = await batchesAround(this.ctx.db, [usedAt, usedAt + BATCH_SPAN_MS, PAGE, offset]);
      for (const row of rows) {
        const copies = JSON.parse(open(keys, row.sealed, aad(row.id)).toString('utf8')) as Array<[string, TokenResponse]>;
        const found = copies.find(([id]) => id === tokenId);
        if (found) return found[1];
      }
      if (rows.length < PAGE) return undefined;
    }
  }

  /** Deletes the batches whose window has passed (each batch does it too; this covers a quiet server). */
  async prune(now = Date.now()): Promise<number> {
    return Number((await deleteBefore(this.ctx.db, [now - this.windowMs])).numAffectedRows ?? 0);
  }
}

const copiesOf = new WeakMap<AppContext, GraceCopies>();

/** The grace copies of a context (one sink per context, so a batch's copies share one row). */
export function graceCopiesOf(ctx: AppContext): GraceCopies {
  let g = copiesOf.get(ctx);
  if (!g) copiesOf.set(ctx, (g = new GraceCopies(ctx)));
  return g;
}
