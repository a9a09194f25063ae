/**
 * The kernel: below every domain. The context type, the module manifest, the per-app registries and the types
 * that cross domains (principal, audit event, token service, fast lanes, resources).
 */
export type { AppContext, PeerChannel, TeeFact } from './app-context.js';
export { MODULE_NAME, type GatewayModule } from './gateway-module.js';
export { Registry } from './registry.js';
export {
  createRegistries,
  SCOPE_TOKEN,
  type Registries,
  type ScopeInfo,
  type EventType,
  type GrantType,
  type HealthCheck,
} from './registries.js';
export type { GrantFormPart } from './grant-form-part.js';
export { ResourceRegistry, type Resource, type ResourceSource, type DescribedScope } from './resource-registry.js';
export { describeReturnTo, type ReturnToDescriber, type PendingApp, type DeclaredReturnToDescriber } from './return-to-describer.js';
export { canonicalResource } from './canonical-resource.js';
export { publicPath, underPublicPath } from './public-path.js';
export { Metrics } from './metrics.js';
export { SESSION_TYP, ACCESS_TYP, LINEAGE_CLAIM, type Principal, type TokenKind } from './principal.js';
export type { AuditEvent, AuditSink, ActorType, EventResult } from './audit-sink.js';
export type { TokenService, VerifyOptions, AccessTokenSpec, IssuedToken, Issuance, RevocableId } from './tokens.js';
export type { LaneHandler, LaneRequest, LaneResponse } from './fast-lane.js';
export type { CorsPolicy } from './route-config.js';
export type { RequestMeta } from './request-meta.js';
export type { ExchangeTarget, ExchangeRequest } from './exchange-target.js';
export { addressAllowed, addressInRanges } from './address-policy.js';
export { addressKey } from './address-key.js';
export { buildDigest, digestOfTree } from './build-digest.js';
export { guardedLookup } from './guarded-lookup.js';
