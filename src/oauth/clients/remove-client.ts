import type { AppContext } from '../../kernel/index.js';
import { revokeFamilies } from '../tokens/revoke-families.js';

/** What `removeClient` did, or why it did nothing. */
export type RemoveClientResult =
  { removed: true; source: string; grants: number; families: number; tokens: number } | { removed: false; reason: 'unknown' | 'agent' };

/**
 * Removes a registered client (self-registered ones pile up) with everything issued to it, in one transaction
 * with `oauth.client.removed`: its grants (consents) are revoked, unused codes spent, refresh families revoked,
 * and its live access tokens voided with what was exchanged from them (RFC 8693). The client then gets
 * `invalid_client` at /token (within the second authentications are remembered), so an MCP client registers
 * again. Agents are refused: their owner revokes them (their delegations belong to the agents domain).
 */
export async function removeClient(ctx: AppContext, clientId: string): Promise<RemoveClientResult> {
  return ctx.db.transaction().execute(async (trx) => {
    const client = await trx.selectFrom('oauth_clients').select('source').where('id', '=', clientId).executeTakeFirst();
    if (!client) return { removed: false, reason: 'unknown' };
    if (client.source === 'agent') return { removed: false, reason: 'agent' };
    const now = Date.now();
    const grants = await trx
      .updateTable('oauth_grants')
      .set({ revoked_at: now })
      .where('client_id', '=', clientId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    await trx.updateTable('oauth_codes').set({ used_at: now }).where('client_id', '=', clientId).where('used_at', 'is', null).execute();
    const families = await trx
      .selectFrom('oauth_families')
      .select('id')
      .where('client_id', '=', clientId)
      .where('revoked_at', 'is', null)
      .execute();
    await revokeFamilies(
      ctx,
      trx,
      families.map((f) => f.id),
    );
    // Tokens outside a family (client_credentials) and everything exchanged from any of its tokens.
    const live = await trx
      .selectFrom('access_tokens')
      .select('jti')
      .where('client_id', '=', clientId)
      .where('expires_at', '>', now)
      .execute();
    const jtis = live.map((t) => t.jti);
    const tree = jtis.length ? await ctx.tokens.revokeTree(trx, { jtis }) : [];
    await trx.deleteFrom('oauth_clients').where('id', '=', clientId).execute();
    const result = {
      removed: true as const,
      source: client.source,
      grants: Number(grants.numUpdatedRows),
      families: families.length,
      tokens: tree.length,
    };
    await ctx.audit.record(trx, {
      action: 'oauth.client.removed',
      actor: { type: 'system' },
      target: { type: 'client', id: clientId },
      detail: { source: result.source, grants: result.grants, families: result.families, tokens: result.tokens },
    });
    return result;
  });
}
