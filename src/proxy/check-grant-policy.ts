import type { AppContext } from '../kernel/index.js';
import { AppError } from '../errors/index.js';
import { proxyOf } from './proxy-of.js';
import type { PluginHost } from './plugin-host.js';
import { isFrontedScope, isFrontedToolKey } from './plugins/mcp/index.js';
import { policyErrors, type GrantPolicy, type PolicyConstraint } from './policy/index.js';
import { policyInputFields, type InputFields } from './policy-input-fields.js';

/** How many of an input's fields an error names. */
const NAMED_FIELDS = 12;

/**
 * Why the constraint cannot bind the actions of `key`, or null when it can. `allow` and `path` refuse a call without
 * their field, so every action must have it; `max_length` holds without it, so one must (a text field).
 */
function misfit(key: string, c: PolicyConstraint, actions: InputFields[]): string | null {
  const field = c.kind === 'path' ? 'path' : c.field;
  const having = actions.filter((f) => f.has(field));
  const names = [...new Set(actions.flatMap((f) => [...f.keys()]))];
  const fields = `(${actions.length > 1 ? 'their' : 'its'} fields: ${names.slice(0, NAMED_FIELDS).join(', ')}${names.length > NAMED_FIELDS ? ', …' : ''})`;
  if (!having.length) {
    if (c.kind === 'path') return `a path limit on ${key} needs an input with a path ${fields}`;
    return `${actions.length > 1 ? `no action of ${key} has` : `${key} has no`} input field "${field}" ${fields}`;
  }
  if (c.kind !== 'max_length' && having.length < actions.length)
    return `"${field}" is not an input field of every action of ${key}: ${c.kind === 'path' ? 'a path limit' : 'an allow-list'} would refuse every call of the others`;
  if (c.kind === 'max_length') {
    const types = [...new Set(having.flatMap((f) => f.get(field) ?? ['string']))];
    if (!types.includes('string')) return `a maximum length applies to a text field, and "${field}" of ${key} is ${types.join(' or ')}`;
  }
  return null;
}

/** Whether a policy key binds anything under these scopes: an action of one, a scope some action has, a fronted tool of one. */
export function policyKeyBinds(host: PluginHost, key: string, scopes: readonly string[]): boolean {
  const actions = host.actions();
  if (actions.some((h) => h.qualifiedName === key && scopes.includes(h.action.scope))) return true;
  if (scopes.includes(key) && (actions.some((h) => h.action.scope === key) || isFrontedScope(host.ctx, key))) return true;
  return isFrontedToolKey(host.ctx, key, scopes);
}

/** The refusal of a limit on a key that binds nothing under these scopes. */
export function bindsNothing(key: string, scopes: readonly string[]): AppError {
  return new AppError(
    policyErrors.ERR_PROXY_POLICY_INVALID,
    `The policy is not valid: "${key.slice(0, 128)}" is neither an action nor a plugin scope granted here (${scopes.join(' ') || 'none'}).`,
  );
}

/**
 * Checks a grant's policy against the actions it binds, as a person sets it (consent, delegation, API token, the
 * limits' edit form, their JSON APIs), for the grant's `scopes`. 400 ERR_PROXY_POLICY_INVALID:
 * - a key that binds nothing under them (a typo, an action of a scope not granted): the person would think a
 *   limit holds that never does;
 * - a constraint on a field the input does not have, which would hold for every call (`max_length`) or refuse
 *   every call (`allow`) without saying why: naming the action, the field and the fields there are.
 * Fields are not checked when they are not known (a fronted tool not listed yet); nothing is checked when a stored
 * policy is read (a plugin's input may change since; the stored policy keeps binding).
 */
export function checkGrantPolicy(ctx: AppContext, policy: GrantPolicy | undefined, scopes: readonly string[]): void {
  if (!policy) return;
  const host = proxyOf(ctx);
  for (const [key, p] of Object.entries(policy.actions)) {
    if (!policyKeyBinds(host, key, scopes)) throw bindsNothing(key, scopes);
    if (!p.constraints?.length) continue;
    const actions = policyInputFields(host, key);
    if (!actions) continue;
    for (const c of p.constraints) {
      const why = misfit(key, c, actions);
      if (why) throw new AppError(policyErrors.ERR_PROXY_POLICY_INVALID, `The policy is not valid: ${why}.`);
    }
  }
}
