import type { AppContext, GrantFormPart } from '../kernel/index.js';
import { AppError } from '../errors/index.js';
import type { PluginHost } from './plugin-host.js';
import { frontedPolicyKeys, isFrontedToolKey } from './plugins/mcp/index.js';
import { checkGrantPolicy } from './check-grant-policy.js';
import { withSuggestedFields } from './suggested-fields.js';
import {
  PolicyFields,
  grantPolicy,
  policyErrors,
  policyFromForm,
  policySummaries,
  setGrantPolicy,
  type GrantPolicy,
  type SuggestedFields,
} from './policy/index.js';

/**
 * The actions a grant of these scopes lets a caller run, as PolicyFields keys (`{plugin}.{action}`, its title), then
 * the fronted MCP servers' tools of these scopes (`mcp-{id}.{tool}`; by scope while their tools are not known).
 */
export function policyKeysFor(
  host: PluginHost,
  scopes: readonly string[],
): Array<{ name: string; label: string; fields?: SuggestedFields }> {
  return withSuggestedFields(host.ctx, [
    ...host
      .actions()
      .filter((h) => scopes.includes(h.action.scope))
      .map((h) => ({ name: h.qualifiedName, label: h.action.title })),
    ...frontedPolicyKeys(host.ctx, scopes),
  ]);
}

const POLICY_FIELD = /^policy_[a-z_]+:(.+)$/;

/**
 * The limits a grant form set for the actions of these scopes: a filled-in field for any other action (one whose
 * scope is not granted) is refused, 400 naming it, rather than silently dropped.
 */
export function policyFromGrantForm(host: PluginHost, form: Record<string, unknown>, scopes: readonly string[]): GrantPolicy | undefined {
  const keys = policyKeysFor(host, scopes).map((k) => k.name);
  for (const field of Object.keys(form)) {
    // A fronted tool of a granted scope: its tools may have been learnt (or forgotten) since the form was shown
    const key = POLICY_FIELD.exec(field)?.[1];
    if (key !== undefined && !keys.includes(key) && isFrontedToolKey(host.ctx, key, scopes)) keys.push(key);
  }
  for (const [field, value] of Object.entries(form)) {
    const key = POLICY_FIELD.exec(field)?.[1];
    if (key === undefined || keys.includes(key) || typeof value !== 'string' || !value.trim() || field.startsWith('policy_rate_per:'))
      continue;
    throw new AppError(
      policyErrors.ERR_PROXY_POLICY_INVALID,
      `The policy is not valid: a limit is set on "${key.slice(0, 128)}", whose scope is not granted here.`,
    );
  }
  const policy = policyFromForm(form, keys);
  checkGrantPolicy(host.ctx, policy, scopes);
  return policy;
}

/** The consent form's part for the proxy: the limits per action of the plugin scopes asked for (the kernel slot). */
export function policyFormPart(ctx: AppContext, host: PluginHost): GrantFormPart {
  return {
    name: 'proxy',
    owns: (field) => field.startsWith('policy_'),
    applies: (scopes) => policyKeysFor(host, scopes).length > 0,
    render: (scopes, value, submitted) => (
      <PolicyFields keys={policyKeysFor(host, scopes)} value={value as GrantPolicy | null | undefined} submitted={submitted} />
    ),
    parse: (form, scopes) => policyFromGrantForm(host, form, scopes),
    store: (db, grantId, value) => setGrantPolicy(db, grantId, value ?? null, Date.now()),
    load: (grantId) => grantPolicy(ctx, grantId).catch(() => null),
    describe: (grantIds) => policySummaries(ctx, grantIds),
  };
}
