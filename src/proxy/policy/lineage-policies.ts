import { sql } from 'kysely';
import type { AppContext } from '../../kernel/index.js';
import { parseGrantPolicy } from './parse-policy.js';
import type { GrantPolicy } from './policy-types.js';
import './policy-tables.js';

/**
 * The policies binding a call along these lineage ids, in one query: those stored under an id itself (a delegation,
 * an API token, an exchanged token's ancestor) and those stored under the consent grant of an id that is a refresh
 * family (the person's limits set on the consent page bind every family made from that consent). `ids` comes back
 * with each such consent grant's id right after its family's, so rates are counted per consent grant (a new
 * authorization code does not start the count again). Throws for a stored policy that does not parse: callers refuse.
 */
export async function lineagePolicies(
  ctx: AppContext,
  lineage: readonly string[],
): Promise<{ ids: string[]; stored: Map<string, GrantPolicy> }> {
  const stored = new Map<string, GrantPolicy>();
  if (!lineage.length) return { ids: [], stored };
  const rows = await ctx.db
    .selectFrom('proxy_policies')
    .select(['grant_id', 'policy', sql<string | null>`null`.as('family_id')])
    .where('grant_id', 'in', [...lineage])
    .unionAll(
      ctx.db
        .selectFrom('oauth_families as f')
        .innerJoin('proxy_policies as p', 'p.grant_id', 'f.grant_id')
        .select(['p.grant_id', 'p.policy', 'f.id as family_id'])
        .where('f.id', 'in', [...lineage]),
    )
    .execute();
  const consentOf = new Map<string, string>();
  for (const r of rows) {
    stored.set(r.grant_id, parseGrantPolicy(JSON.parse(r.policy)));
    if (r.family_id !== null) consentOf.set(r.family_id, r.grant_id);
  }
  const ids = lineage.flatMap((id) => (consentOf.has(id) ? [id, consentOf.get(id)!] : [id]));
  return { ids: [...new Set(ids)], stored };
}
