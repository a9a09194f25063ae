import type { AppContext } from '../../server/context.js';
import { groupCommitOf, preparedQuery } from '../../store/index.js';

const touch = preparedQuery((db, slot) => db.updateTable('oauth_grants').set({ last_used_at: slot(0) }).where('id', '=', slot(1)).where('last_used_at', '<', slot(2)));

/**
 * When consent grants were last used by a refresh ("Authorized apps" shows it): noted in memory and written
 * every `flushMs` with the next group commit, instead of one more write per refresh. Pending uses are written
 * on close; a crash loses at most `flushMs` of last-use times (never a token or a revocation).
 */
export class GrantUse {
  private pending = new Map<string, number>();
  private timer?: NodeJS.Timeout;

  constructor(private readonly ctx: AppContext, private readonly flushMs = 5000) {}

  note(grantId: string, at: number): void {
    this.pending.set(grantId, at);
    if (this.timer) return;
    this.timer = setTimeout(() => void this.flush().catch((err) => this.ctx.log.warn({ err }, 'writing grant last-use times failed')), this.flushMs);
    this.timer.unref();
  }

  /** Writes every pending use; resolves when stored. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = [...this.pending];
    this.pending.clear();
    if (batch.length) await groupCommitOf(this.ctx.db).run(batch.map(([id, at]) => touch.step(this.ctx.db, [at, id, at])));
  }
}

const trackers = new WeakMap<AppContext, GrantUse>();

/** The grant last-use tracker of an app (flushed when the app closes). */
export function grantUseOf(ctx: AppContext): GrantUse {
  let g = trackers.get(ctx);
  if (!g) {
    trackers.set(ctx, (g = new GrantUse(ctx)));
    const tracker = g;
    ctx.onClose.push(() => tracker.flush());
  }
  return g;
}
