import type { AppContext, RequestMeta, RevocableId } from '../kernel/index.js';
import type { Executor } from '../store/index.js';
import { delegationOf, delegationStatus } from './delegation-status.js';
import './delegations-table.js';

/**
 * Revokes delegations (by id) with every token issued or exchanged under them, in the caller's transaction:
 * the delegation ids go into the revocation index too, so even a token being exchanged right now is refused.
 * Returns the access tokens revoked.
 */
export async function revokeDelegations(
  ctx: AppContext,
  db: Executor,
  rows: Array<{ id: string; expires_at: number }>,
): Promise<RevocableId[]> {
  if (rows.length === 0) return [];
  await db
    .updateTable('delegations')
    .set({ revoked_at: Date.now() })
    .where(
      'id',
      'in',
      rows.map((r) => r.id),
    )
    .where('revoked_at', 'is', null)
    .execute();
  return ctx.tokens.revokeTree(db, { grants: rows.map((r) => ({ id: r.id, expiresAt: Number(r.expires_at) })) });
}

/**
 * POST /revoke_delegation: the holder of a delegation token (or of a token exchanged from it) revokes it.
 * The delegation token itself revokes the whole delegation; an exchanged token revokes itself and everything
 * exchanged from it. A token that is already invalid (expired, revoked) is answered the same way: it is dead.
 */
export async function revokeByToken(
  ctx: AppContext,
  token: unknown,
  meta: Partial<RequestMeta> = {},
): Promise<{ status: 'revoked' } | { status: 'invalid'; reason: string }> {
  const status = await delegationStatus(ctx, token);
  if (!status.valid) {
    return ['token revoked', 'token expired'].includes(status.reason)
      ? { status: 'revoked' }
      : { status: 'invalid', reason: status.reason };
  }
  const p = await ctx.tokens.verify(token as string, { kinds: ['access'] });
  const d = (await delegationOf(ctx, p))!;
  await ctx.db.transaction().execute(async (trx) => {
    const count =
      p.tokenId === d.jti
        ? (await revokeDelegations(ctx, trx, [d])).length
        : (await ctx.tokens.revokeTree(trx, { jtis: [p.tokenId] })).length;
    await ctx.audit.record(trx, {
      action: 'delegation.revoked',
      actor: { type: 'agent', id: p.clientId },
      userId: d.user_id,
      target: { type: 'agent', id: d.agent_id },
      ip: meta.ip,
      userAgent: meta.userAgent,
      detail: { delegation: d.id, revoked: p.tokenId === d.jti ? 'the delegation' : 'an exchanged descendant', revokedCount: count },
    });
  });
  return { status: 'revoked' };
}
