import type { Db } from '../store/index.js';
import type { AuditSink } from '../kernel/index.js';
import type { Principal } from '../kernel/index.js';

interface PendingUse {
  kind: Principal['kind'];
  at: number;
  ip: string | null;
  /** Set on the token's first use today: the audit event, sent at flush time so it carries the IP. */
  firstToday?: Principal;
}

/**
 * Records when and from where API tokens and access tokens were last used, without a write per request: uses
 * are noted in memory and written in one batch every `flushMs`. The first use of a token each (UTC) day also
 * becomes a `token.used` audit event (sent with that batch, so it carries the client IP the request hook adds),
 * so the access log shows use without one row per call.
 */
export class UsageTracker {
  private pending = new Map<string, PendingUse>();
  private seenToday = new Set<string>();
  private day = 0;
  private timer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Db,
    private readonly o: { flushMs: number; audit?: AuditSink; onError?: (err: unknown) => void },
  ) {}

  /** Notes one use (cheap: two Map operations). Sessions are tracked by the accounts domain, not here. */
  note(p: Principal, ip: string | null, now = Date.now()): void {
    if (p.kind === 'session') return;
    const prev = this.pending.get(p.tokenId);
    if (prev && now - prev.at < 1000 && (!ip || ip === prev.ip)) return; // hot path: noted this second already
    let use = prev;
    if (use) {
      use.at = now;
      if (ip) use.ip = ip;
    } else {
      this.pending.set(p.tokenId, (use = { kind: p.kind, at: now, ip: ip ?? null }));
    }
    const day = Math.floor(now / 86_400_000);
    if (day !== this.day || this.seenToday.size >= 1_000_000) {
      // bounded: at worst a token's use is logged twice that day
      this.day = day;
      this.seenToday.clear();
    }
    if (!this.seenToday.has(p.tokenId)) {
      this.seenToday.add(p.tokenId);
      use.firstToday = p;
    }
    this.timer ??= setTimeout(() => void this.flush(), this.o.flushMs);
    this.timer.unref?.();
  }

  /** Writes every pending use; resolves when stored. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = [...this.pending];
    this.pending.clear();
    for (const [, u] of batch) {
      const p = u.firstToday;
      if (!p) continue;
      this.o.audit?.enqueue({
        action: 'token.used',
        actor: p.clientId ? { type: 'agent', id: p.clientId } : { type: 'user', id: p.userId },
        userId: p.userId,
        target: { type: p.kind === 'api_token' ? 'api_token' : 'access_token', id: p.tokenId },
        ip: u.ip,
        detail: { firstUseToday: true, at: u.at, scopes: p.scopes },
      });
    }
    this.flushing = this.flushing.then(async () => {
      for (const [id, u] of batch) {
        try {
          if (u.kind === 'api_token')
            await this.db.updateTable('api_tokens').set({ last_used_at: u.at, last_used_ip: u.ip }).where('id', '=', id).execute();
          else await this.db.updateTable('access_tokens').set({ last_used_at: u.at, last_used_ip: u.ip }).where('jti', '=', id).execute();
        } catch (err) {
          this.o.onError?.(err);
        }
      }
    });
    return this.flushing;
  }
}
