import { sql } from 'kysely';
import type { AppContext } from '../../kernel/index.js';
import { preparedQuery, type PreparedQuery } from '../../store/index.js';
import { parseGrantPolicy } from './parse-policy.js';
import type { GrantPolicy } from './policy-types.js';
import './policy-tables.js';

type PolicyRow = { grant_id: string; policy: string; family_id: string | null };
/** The query of a lineage of `n` ids, compiled once per length (read on every proxied call). */
const byLength = new Map<number, PreparedQuery<Record<string, unknown>, PolicyRow>>();
function policiesAlong(n: number): PreparedQuery<Record<string, unknown>, PolicyRow> {
  let q = byLength.get(n);
  if (!q) {
    const names = Array.from({ length: n }, (_, i) => `id${i}`);
    q = preparedQuery(names, (db, slot) => {
      const ids = names.map(slot);
      return db
        .selectFrom('proxy_policies')
        .select(['grant_id', 'policy', sql<string | null>`null`.as('family_id')])
        .where('grant_id', 'in', ids)
        .unionAll(
          db
            .selectFrom('oauth_families as f')
            .innerJoin('proxy_policies as p', 'p.grant_id', 'f.grant_id')
            .select(['p.grant_id', 'p.policy', 'f.id as family_id'])
            .where('f.id', 'in', ids),
        );
    });
    byLength.set(n, q);
  }
  return q;
}

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
  const rows = (await policiesAlong(lineage.length)(ctx.db, Object.fromEntries(lineage.map((id, i) => [`id${i}`, id])))).rows;
  const consentOf = new Map<string, string>();
  for (const r of rows) {
    stored.set(r.grant_id, parseGrantPolicy(JSON.parse(r.policy)));
    if (r.family_id !== null) consentOf.set(r.family_id, r.grant_id);
  }
  const ids = lineage.flatMap((id) => (consentOf.has(id) ? [id, consentOf.get(id)!] : [id]));
  return { ids: [...new Set(ids)], stored };
}
