import type { AppContext, GrantFormPart } from '../kernel/index.js';
import type { PluginHost } from './plugin-host.js';
import { frontedPolicyKeys } from './plugins/mcp/index.js';
import { bindsNothing, checkGrantPolicy, policyKeyBinds } from './check-grant-policy.js';
import { withSuggestedFields } from './suggested-fields.js';
import {
  PolicyFields,
  grantPolicy,
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
 * The limits a grant form set for the actions of these scopes. A field of a key the form did not offer is taken
 * when the key binds under these scopes (a fronted tool learnt since the form was shown, a scope's own limit kept
 * from an older policy); any other filled-in one is refused, 400 naming it, rather than silently dropped.
 */
export function policyFromGrantForm(host: PluginHost, form: Record<string, unknown>, scopes: readonly string[]): GrantPolicy | undefined {
  const keys = policyKeysFor(host, scopes).map((k) => k.name);
  for (const [field, value] of Object.entries(form)) {
    const key = POLICY_FIELD.exec(field)?.[1];
    if (key === undefined || keys.includes(key)) continue;
    if (policyKeyBinds(host, key, scopes)) keys.push(key);
    else if (typeof value === 'string' && value.trim() && !field.startsWith('policy_rate_per:')) throw bindsNothing(key, scopes);
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
