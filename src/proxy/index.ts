/**
 * The proxy: plugins (modules with actions) called by agents with their token, over HTTP (`POST /proxy/{plugin}/
 * {action}`) and as tools of the gateway's MCP server. Every call goes through `proxyOf(ctx).call(…)`: scope, input,
 * policy, the person's credential from the vault, the upstream call, the audit event.
 */
export { proxyModule } from './proxy-module.js';
export { proxyOf } from './proxy-of.js';
export { policyFromGrantForm, policyKeysFor } from './policy-form-part.js';
export { checkGrantPolicy } from './check-grant-policy.js';
export { withSuggestedFields } from './suggested-fields.js';
export { builtinPlugins } from './builtin-plugins.js';
export { httpPluginModules } from './plugins/http/index.js';
export { PluginHost } from './plugin-host.js';
export type { HostedAction } from './hosted-action.js';
export type { ActionRequest, PolicyOutcome, EnforcePolicy } from './invoke-action.js';
export { connectUrl } from './proxy-credential.js';
export {
  definePlugin,
  isPluginModule,
  type PluginModule,
  type PluginSpec,
  type ActionDescriptor,
  type ActionCall,
  type UpstreamClient,
  type UpstreamCredential,
  type UpstreamRequest,
  type UpstreamResponse,
  type UpstreamStream,
  type JsonSchema,
} from './plugin.js';
export { proxyErrors } from './proxy-errors.js';
export { StreamedAnswer, type StreamEnd } from './streamed-answer.js';
export { MAX_INPUT_BYTES } from './validate-input.js';
export { MAX_RESPONSE_BYTES } from './upstream-client.js';
export {
  PolicyFields,
  type PolicyFieldsProps,
  parseGrantPolicy,
  grantPolicyStep,
  setGrantPolicy,
  grantPolicy,
  describeGrantPolicy,
  policySummaries,
  type GrantPolicy,
} from './policy/index.js';
