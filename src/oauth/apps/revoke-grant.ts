import type { AppContext } from '../../kernel/index.js';
import { revokeFamilies } from '../tokens/revoke-families.js';

/**
 * Revokes a person's grant (consent) with every token issued under it, at once: refresh families, their access
 * tokens (voided through the revocation index) and unused codes. Audited. Returns false when it is not theirs or gone.
 */
export async function revokeGrant(
  ctx: AppContext,
  o: { userId: string; grantId: string; ip?: string; userAgent?: string },
): Promise<boolean> {
  return ctx.db.transaction().execute(async (trx) => {
    const now = Date.now();
    const res = await trx
      .updateTable('oauth_grants')
      .set({ revoked_at: now })
      .where('id', '=', o.grantId)
      .where('user_id', '=', o.userId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) return false;
    await trx.updateTable('oauth_codes').set({ used_at: now }).where('grant_id', '=', o.grantId).where('used_at', 'is', null).execute();
    const families = await trx.selectFrom('oauth_families').select('id').where('grant_id', '=', o.grantId).execute();
    await revokeFamilies(
      ctx,
      trx,
      families.map((f) => f.id),
    );
    await ctx.audit.record(trx, {
      action: 'oauth.consent.revoked',
      actor: { type: 'user', id: o.userId },
      userId: o.userId,
      target: { type: 'grant', id: o.grantId },
      ip: o.ip,
      userAgent: o.userAgent,
      detail: { families: families.length },
    });
    return true;
  });
}
