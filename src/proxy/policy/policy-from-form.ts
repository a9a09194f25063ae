import { parseGrantPolicy } from './parse-policy.js';
import type { ActionPolicy, GrantPolicy, PolicyConstraint } from './policy-types.js';

/**
 * The policy a grant form's PolicyFields set, for these keys (the scopes granted), checked (400 naming what is
 * wrong); undefined when none was set.
 */
export function policyFromForm(body: Record<string, unknown>, keys: readonly string[]): GrantPolicy | undefined {
  const get = (what: string, key: string) => {
    const v = body[`policy_${what}:${key}`];
    return typeof v === 'string' ? v.trim() : '';
  };
  const actions: Record<string, unknown> = {};
  for (const key of keys) {
    const p: Record<string, unknown> = {};
    const count = get('rate_count', key);
    if (count) p.rate = { count: Number(count), per: get('rate_per', key) || 'day' };
    const constraints: Partial<PolicyConstraint>[] = [];
    const allowField = get('allow_field', key);
    if (allowField || get('allow_values', key))
      constraints.push({
        kind: 'allow',
        field: allowField,
        values: get('allow_values', key)
          .split(',')
          .map((v) => v.trim())
          .filter(Boolean),
      });
    const maxField = get('max_field', key);
    if (maxField || get('max_length', key)) constraints.push({ kind: 'max_length', field: maxField, max: Number(get('max_length', key)) });
    if (constraints.length) p.constraints = constraints;
    if (get('ask', key) === '1') p.ask = true;
    if (Object.keys(p).length) actions[key] = p as ActionPolicy;
  }
  return Object.keys(actions).length ? parseGrantPolicy({ actions }) : undefined;
}
