/**
 * Policy per grant (issue 16): rates, argument constraints and the "ask me each time" flag, stored per grant id and
 * enforced by the proxy on every call (the intersection along the caller's lineage).
 */
export { enforcePolicy, policyGrantIds, type PolicyDecision } from './enforce-policy.js';
export { parseGrantPolicy, parseActionPolicy } from './parse-policy.js';
export { setGrantPolicy, grantPolicy, grantPolicies, grantPolicyStep } from './policy-store.js';
export { describeGrantPolicy, describeActionPolicy, describeRate, describeConstraint } from './describe-policy.js';
export { policyErrors } from './policy-errors.js';
export { pruneRateCounts } from './prune-rate-counts.js';
export { migrations as policyMigrations } from './migrations/index.js';
export type * from './policy-types.js';
export { PolicyFields, type PolicyFieldsProps, type SuggestedFields } from './policy-fields.js';
export { policyFromForm } from './policy-from-form.js';
export { policySummaries, UNREADABLE_POLICY } from './policy-summaries.js';
