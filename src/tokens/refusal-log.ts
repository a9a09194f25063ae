import type { AuditSink } from '../kernel/index.js';
import type { Principal } from '../kernel/index.js';

const EVERY_MS = 60_000;

/**
 * Audits a refused bearer whose signature (or API-token hash) checked out: revoked, or presented where it does
 * not belong (another resource, a kind not accepted there). Such a token is genuine, so its person sees the
 * attempt in their access log (an agent still using revoked access, or a token sent to the wrong place); at
 * most once a minute per token and reason, so a client retrying in a loop cannot flood the log. Forged or
 * malformed tokens name nobody and are not written here (session cookies are audited by the session hook).
 */
export class RefusalLog {
  private readonly last = new Map<string, number>();

  constructor(private readonly audit?: AuditSink) {}

  note(p: Principal, reason: string, ip: string | null | undefined, now = Date.now()): void {
    if (!this.audit || p.kind === 'session') return;
    const key = `${p.tokenId} ${reason}`;
    if (now - (this.last.get(key) ?? -Infinity) < EVERY_MS) return;
    if (this.last.size >= 10_000) this.last.clear();
    this.last.set(key, now);
    this.audit.enqueue({
      action: 'token.rejected',
      result: 'failure',
      actor: p.clientId ? { type: 'client', id: p.clientId } : { type: 'user', id: p.userId },
      userId: p.userId,
      target: { type: p.kind === 'access' ? 'access_token' : p.kind, id: p.tokenId },
      ip: ip ?? null,
      detail: { reason },
    });
  }
}
