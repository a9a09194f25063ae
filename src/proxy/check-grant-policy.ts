import type { AppContext } from '../kernel/index.js';
import { AppError } from '../errors/index.js';
import { proxyOf } from './proxy-of.js';
import type { PluginHost } from './plugin-host.js';
import { frontedInputSchemas, isFrontedScope, isFrontedToolKey } from './plugins/mcp/index.js';
import { policyErrors, type GrantPolicy, type PolicyConstraint, type SuggestedFields } from './policy/index.js';

/** How many of an input's fields an error names. */
const NAMED_FIELDS = 12;

/** One action's input fields by name, with their declared types (undefined: not declared). */
export type InputFields = Map<string, string[] | undefined>;

/** An input schema's top-level fields; undefined when it lists none (any field may come). */
function fieldsOf(schema: unknown): InputFields | undefined {
  const properties = (schema as { properties?: unknown } | null)?.properties;
  if (typeof properties !== 'object' || properties === null || !Object.keys(properties).length) return undefined;
  const fields: InputFields = new Map();
  for (const [name, s] of Object.entries(properties as Record<string, { type?: unknown } | null>)) {
    const type = s?.type;
    fields.set(name, typeof type === 'string' ? [type] : Array.isArray(type) ? type.map(String) : undefined);
  }
  return fields;
}

/**
 * The input fields of each action a policy key binds (an action's `{plugin}.{action}`; a scope: each action of it;
 * a fronted MCP tool as its server last listed it): what a constraint may name, and what a grant form suggests.
 * Undefined when they are not known: no action of the key is known (a fronted tool not listed yet), or one of
 * them lists no fields (any field may come).
 */
export function policyInputFields(host: PluginHost, key: string): InputFields[] | undefined {
  const schemas = [
    ...host
      .actions()
      .filter((h) => h.qualifiedName === key || h.action.scope === key)
      .map((h) => h.action.input),
    ...frontedInputSchemas(host.ctx, key),
  ];
  const each = schemas.map(fieldsOf);
  return each.length && each.every((f) => f !== undefined) ? (each as InputFields[]) : undefined;
}

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
function binds(host: PluginHost, key: string, scopes: readonly string[]): boolean {
  const actions = host.actions();
  if (actions.some((h) => h.qualifiedName === key && scopes.includes(h.action.scope))) return true;
  if (scopes.includes(key) && (actions.some((h) => h.action.scope === key) || isFrontedScope(host.ctx, key))) return true;
  return isFrontedToolKey(host.ctx, key, scopes);
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
    if (!binds(host, key, scopes))
      throw new AppError(
        policyErrors.ERR_PROXY_POLICY_INVALID,
        `The policy is not valid: "${key}" is neither an action nor a plugin scope granted here (${scopes.join(' ') || 'none'}).`,
      );
    if (!p.constraints?.length) continue;
    const actions = policyInputFields(host, key);
    if (!actions) continue;
    for (const c of p.constraints) {
      const why = misfit(key, c, actions);
      if (why) throw new AppError(policyErrors.ERR_PROXY_POLICY_INVALID, `The policy is not valid: ${why}.`);
    }
  }
}

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
