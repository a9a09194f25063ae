import type { AppContext } from '../kernel/index.js';
import { proxyOf } from './proxy-of.js';
import type { PluginHost } from './plugin-host.js';
import type { SuggestedFields } from './policy/index.js';
import { policyInputFields } from './policy-input-fields.js';

/**
 * The fields a grant form suggests for a key's limits (a datalist under the field inputs): for an allow-list, the
 * fields every action of the key has; for a maximum length, the text fields any has. Undefined when not known.
 */
export function suggestedFields(host: PluginHost, key: string): SuggestedFields | undefined {
  const actions = policyInputFields(host, key);
  if (!actions) return undefined;
  const names = [...new Set(actions.flatMap((f) => [...f.keys()]))];
  return {
    allow: names.filter((n) => actions.every((f) => f.has(n))),
    text: names.filter((n) => actions.some((f) => f.has(n) && (f.get(n) ?? ['string']).includes('string'))),
  };
}

/** Grant form keys with the fields their limits may name (`suggestedFields`), for PolicyFields. */
export function withSuggestedFields<K extends { name: string }>(
  ctx: AppContext,
  keys: readonly K[],
): Array<K & { fields?: SuggestedFields }> {
  const host = proxyOf(ctx);
  return keys.map((k) => {
    const fields = suggestedFields(host, k.name);
    return fields ? { ...k, fields } : k;
  });
}
