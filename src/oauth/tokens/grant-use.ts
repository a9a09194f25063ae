import type { AppContext } from '../../kernel/index.js';
import { preparedQuery } from '../../store/index.js';

const touch = preparedQuery(['at', 'id'], (db, slot) =>
  db
    .updateTable('oauth_grants')
    .set({ last_used_at: slot('at') })
    .where('id', '=', slot('id'))
    .where('last_used_at', '<', slot('at')),
);

/**
 * When consent grants were last used by a refresh ("Authorized apps" shows it): noted in memory and written
 * every `flushMs` with the next group commit, instead of one more write per refresh. Pending uses are written
 * on close; a crash loses at most `flushMs` of last-use times (never a token or a revocation).
 */
export class GrantUse {
  private pending = new Map<string, number>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly ctx: AppContext,
    private readonly flushMs = 5000,
  ) {}

  note(grantId: string, at: number): void {
    this.pending.set(grantId, at);
    if (this.timer) return;
    this.timer = setTimeout(
      () => void this.flush().catch((err) => this.ctx.log.warn({ err }, 'writing grant last-use times failed')),
      this.flushMs,
    );
    this.timer.unref();
  }

  /** Writes every pending use; resolves when stored. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = [...this.pending];
    this.pending.clear();
    if (batch.length) await this.ctx.commits.run(batch.map(([id, at]) => touch.step(this.ctx.db, { at, id })));
  }
}
