import type { AppContext } from '../../kernel/index.js';
import { describeGrantPolicy } from './describe-policy.js';
import { parseGrantPolicy } from './parse-policy.js';
import { storedPolicies } from './policy-store.js';

/** What a page shows for a grant whose stored policy does not parse (the proxy refuses its calls). */
export const UNREADABLE_POLICY = 'the stored limits cannot be read: every call is refused until they are set again';

/** The policies of these grants in words, by id (absent: no limits). Never throws for an unreadable one: it says so. */
export async function policySummaries(ctx: AppContext, ids: readonly string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const r of await storedPolicies(ctx, ids)) {
    try {
      out.set(r.grant_id, describeGrantPolicy(parseGrantPolicy(JSON.parse(r.policy))));
    } catch {
      out.set(r.grant_id, [UNREADABLE_POLICY]);
    }
  }
  return out;
}
