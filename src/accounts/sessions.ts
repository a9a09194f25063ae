import type { AppContext } from '../kernel/index.js';
import type { Executor, Tx } from '../store/index.js';
import { randomId } from '../crypto/index.js';
import type { RequestMeta } from '../kernel/index.js';
import { isId } from './api-schemas.js';
import './tables.js';

type SessionCtx = Pick<AppContext, 'tokens' | 'config' | 'audit'>;

/** A session as the sessions page and API show it. */
export interface SessionInfo {
  id: string;
  createdAt: number;
  lastSeenAt: number;
  ip: string | null;
  userAgent: string | null;
  expiresAt: number;
}

/** A fresh session JWT for the session row: `expiresAt` is epoch ms. */
export interface IssuedSession {
  sessionId: string;
  token: string;
  expiresAt: number;
}

/**
 * Creates a session row for `userId` and signs its JWT; records `session.created` in the same transaction.
 * `via` says how the person got it (sign-up, passkey sign-in), shown in the access log; `passkeyId` is the
 * passkey that proved it (removing that passkey ends the session).
 */
export async function createSession(
  ctx: SessionCtx,
  trx: Tx,
  o: { userId: string; meta: RequestMeta; via: string; passkeyId?: string },
): Promise<IssuedSession> {
  const sessionId = randomId('ses_');
  const { token, expiresAt } = ctx.tokens.issueSession({
    userId: o.userId,
    sessionId,
    ttl: Math.min(ctx.config.sessionTtl, ctx.config.sessionMaxLifetime),
  });
  const now = Date.now();
  await trx
    .insertInto('sessions')
    .values({
      id: sessionId,
      user_id: o.userId,
      created_at: now,
      last_seen_at: now,
      ip: o.meta.ip,
      user_agent: o.meta.userAgent,
      expires_at: expiresAt * 1000,
      revoked_at: null,
      passkey_id: o.passkeyId ?? null,
    })
    .execute();
  await ctx.audit.record(trx, {
    action: 'session.created',
    actor: { type: 'user', id: o.userId },
    userId: o.userId,
    target: { type: 'session', id: sessionId },
    ...o.meta,
    detail: { via: o.via },
  });
  return { sessionId, token, expiresAt: expiresAt * 1000 };
}

/**
 * Signs a fresh JWT for a live session and extends its row; records `session.refreshed`. Never past the session's
 * absolute lifetime (`sessionMaxLifetime` from its creation): undefined when it cannot be extended beyond
 * `currentExpiresAt` (epoch seconds), or when the session is gone.
 */
export async function renewSession(
  ctx: SessionCtx & Pick<AppContext, 'db'>,
  o: { userId: string; sessionId: string; currentExpiresAt: number; meta: RequestMeta },
): Promise<IssuedSession | undefined> {
  return ctx.db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom('sessions')
      .select('created_at')
      .where('id', '=', o.sessionId)
      .where('user_id', '=', o.userId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (!row) return undefined;
    const now = Date.now();
    const ttl = Math.min(ctx.config.sessionTtl, Math.floor((Number(row.created_at) + ctx.config.sessionMaxLifetime * 1000 - now) / 1000));
    if (Math.floor(now / 1000) + ttl <= o.currentExpiresAt) return undefined; // at its absolute end: it runs out
    const { token, expiresAt } = ctx.tokens.issueSession({ userId: o.userId, sessionId: o.sessionId, ttl });
    await trx
      .updateTable('sessions')
      .set({ expires_at: expiresAt * 1000, last_seen_at: now })
      .where('id', '=', o.sessionId)
      .execute();
    await ctx.audit.record(trx, {
      action: 'session.refreshed',
      actor: { type: 'user', id: o.userId },
      userId: o.userId,
      target: { type: 'session', id: o.sessionId },
      ...o.meta,
    });
    return { sessionId: o.sessionId, token, expiresAt: expiresAt * 1000 };
  });
}

/** The account's live sessions (not revoked, not expired), newest first. */
export async function listSessions(db: Executor, userId: string): Promise<SessionInfo[]> {
  const rows = await db
    .selectFrom('sessions')
    .selectAll()
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', Date.now())
    .orderBy('created_at', 'desc')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    createdAt: Number(r.created_at),
    lastSeenAt: Number(r.last_seen_at),
    ip: r.ip,
    userAgent: r.user_agent,
    expiresAt: Number(r.expires_at),
  }));
}

/** Which of a person's sessions to revoke: these ids, every live one, or every live one a passkey opened. */
export type SessionSelection = string[] | 'others' | { passkeyId: string };

/**
 * Revokes sessions of `userId`: `ids`, or every live one except `keep` when `ids` is 'others' (or those the
 * passkey opened). The rows, the revocation index (so the very next request with that JWT is refused) and one
 * `session.revoked` event per session commit together. Returns the ids revoked (ids of other accounts or
 * already revoked are skipped).
 */
export async function revokeSessions(
  ctx: SessionCtx & Pick<AppContext, 'db'>,
  o: { userId: string; ids: SessionSelection; keep?: string; reason: string; meta: RequestMeta },
): Promise<string[]> {
  return ctx.db.transaction().execute((trx) => revokeSessionsIn(ctx, trx, o));
}

/** revokeSessions inside the caller's transaction. */
export async function revokeSessionsIn(
  ctx: SessionCtx,
  trx: Tx,
  o: { userId: string; ids: SessionSelection; keep?: string; reason: string; meta: RequestMeta },
): Promise<string[]> {
  let q = trx.selectFrom('sessions').select(['id', 'expires_at']).where('user_id', '=', o.userId).where('revoked_at', 'is', null);
  if (o.ids === 'others') q = q.where('expires_at', '>', Date.now());
  else if (!Array.isArray(o.ids)) q = q.where('passkey_id', '=', o.ids.passkeyId).where('expires_at', '>', Date.now());
  else if (o.ids.length === 0 || !o.ids.every((id) => isId(id, 64))) return [];
  else q = q.where('id', 'in', o.ids);
  const rows = (await q.execute()).filter((r) => r.id !== o.keep);
  if (rows.length === 0) return [];
  const now = Date.now();
  await trx
    .updateTable('sessions')
    .set({ revoked_at: now })
    .where(
      'id',
      'in',
      rows.map((r) => r.id),
    )
    .execute();
  await ctx.tokens.revoke(
    trx,
    rows.map((r) => ({ id: r.id, expiresAt: Number(r.expires_at) })),
  );
  for (const r of rows) {
    await ctx.audit.record(trx, {
      action: 'session.revoked',
      actor: { type: 'user', id: o.userId },
      userId: o.userId,
      target: { type: 'session', id: r.id },
      ...o.meta,
      detail: { reason: o.reason },
    });
  }
  return rows.map((r) => r.id);
}

/** Records that a session was used now (callers throttle this). */
export async function touchSession(db: Executor, sessionId: string, meta: RequestMeta): Promise<void> {
  await db
    .updateTable('sessions')
    .set({ last_seen_at: Date.now(), ip: meta.ip, user_agent: meta.userAgent })
    .where('id', '=', sessionId)
    .execute();
}
