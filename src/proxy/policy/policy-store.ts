import './policy-tables.js';
import type { AppContext } from '../../kernel/index.js';
import { writeStepOf, type Db, type Executor, type WriteStep } from '../../store/index.js';
import { parseGrantPolicy } from './parse-policy.js';
import type { GrantPolicy } from './policy-types.js';

/** Sets (or, with null, removes) a grant's policy; checks it first (400 naming what is wrong). */
export async function setGrantPolicy(db: Executor, grantId: string, policy: unknown | null, now = Date.now()): Promise<void> {
  if (policy === null) {
    await db.deleteFrom('proxy_policies').where('grant_id', '=', grantId).execute();
    return;
  }
  const text = JSON.stringify(parseGrantPolicy(policy));
  await db
    .insertInto('proxy_policies')
    .values({ grant_id: grantId, policy: text, updated_at: now })
    .onConflict((oc) => oc.column('grant_id').doUpdateSet({ policy: text, updated_at: now }))
    .execute();
}

/** A grant's policy, or null when it has none. Throws (400 ERR_PROXY_POLICY_INVALID) for a stored one that does not parse. */
export async function grantPolicy(ctx: AppContext, grantId: string): Promise<GrantPolicy | null> {
  return (await grantPolicies(ctx, [grantId])).get(grantId) ?? null;
}

/** The stored policy texts of these grants (unparsed): what enforcement and the pages both read. */
export async function storedPolicies(ctx: AppContext, ids: readonly string[]): Promise<Array<{ grant_id: string; policy: string }>> {
  if (!ids.length) return [];
  return ctx.db
    .selectFrom('proxy_policies')
    .select(['grant_id', 'policy'])
    .where('grant_id', 'in', [...ids])
    .execute();
}

/** The policies of these grants, by id (absent: none). Throws for a stored one that does not parse: callers refuse. */
export async function grantPolicies(ctx: AppContext, ids: readonly string[]): Promise<Map<string, GrantPolicy>> {
  const out = new Map<string, GrantPolicy>();
  for (const r of await storedPolicies(ctx, ids)) out.set(r.grant_id, parseGrantPolicy(JSON.parse(r.policy)));
  return out;
}

/** Writing a (checked) policy as a step of the transaction that creates its grant (a delegation, a consent, a token). */
export function grantPolicyStep(db: Db, grantId: string, policy: GrantPolicy, now = Date.now()): WriteStep {
  return writeStepOf(db.insertInto('proxy_policies').values({ grant_id: grantId, policy: JSON.stringify(policy), updated_at: now }));
}
