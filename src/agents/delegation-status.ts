import type { AppContext, Principal } from '../kernel/index.js';
import { OAuthError } from '../errors/index.js';
import './delegations-table.js';

/** The seed `validate_delegation` answer. Invalid tokens get `valid: false` and a reason, never an error. */
export type DelegationStatus =
  | {
      valid: true;
      user_id: string;
      agent_id: string;
      scopes: string[];
      expires_at: number;
      delegation_id: string;
      act_chain: string[];
      audience: string[];
    }
  | { valid: false; reason: string };

/** The delegation a verified token belongs to (its lineage starts with the delegation id), if any. */
export async function delegationOf(ctx: AppContext, p: Principal) {
  const root = p.lineage?.[0];
  if (!root || !root.startsWith('dlg')) return undefined;
  return ctx.db.selectFrom('delegations').selectAll().where('id', '=', root).executeTakeFirst();
}

/**
 * Checks a delegation token (or a token exchanged from one) with the one verifier: signature, expiry,
 * revocation of it or any ancestor. Anything wrong becomes `{ valid: false, reason }`.
 */
export async function delegationStatus(ctx: AppContext, token: unknown): Promise<DelegationStatus> {
  if (typeof token !== 'string' || !token) return { valid: false, reason: 'delegation_token is missing' };
  let p: Principal;
  try {
    p = await ctx.tokens.verify(token, { kinds: ['access'] });
  } catch (e) {
    if (e instanceof OAuthError) return { valid: false, reason: e.error_description ?? e.error };
    throw e;
  }
  const d = await delegationOf(ctx, p);
  if (!d || !p.userId || !p.clientId) return { valid: false, reason: 'not a delegation token' };
  if (d.revoked_at !== null) return { valid: false, reason: 'token revoked' };
  return {
    valid: true,
    user_id: p.userId,
    agent_id: p.clientId,
    scopes: p.scopes,
    expires_at: p.expiresAt!,
    delegation_id: d.id,
    act_chain: p.chain,
    audience: p.audience,
  };
}
