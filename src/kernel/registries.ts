import type { ErrorCode } from '../errors/index.js';
import { Registry } from './registry.js';
import type { DeclaredReturnToDescriber } from './return-to-describer.js';
import type { GrantFormPart } from './grant-form-part.js';

/** A scope: its name (an RFC 6749 §3.3 scope-token) and what it lets a holder do (shown on consent pages). */
export interface ScopeInfo {
  name: string;
  description: string;
  /**
   * How the consent page groups it: `read` (see), `act` (act for the person), `manage` (change their account).
   * Omitted: guessed from the name (`….read` reads, `….manage`, `….write` and `delegate` manage, the rest act).
   */
  group?: 'read' | 'act' | 'manage';
}

/** An audit event type: its action, the kind the access log filters by, and the label people read. */
export interface EventType {
  action: string;
  kind: string;
  label: string;
}

/**
 * One grant type of the token endpoint (as in node-oidc-provider): `parameters.required` must be present,
 * `handler` answers or throws an OAuthError. The request type is the authorization server's (oauth/ GrantRequest).
 */
export interface GrantType<Request = never> {
  grantType: string;
  parameters: { required: readonly string[]; optional?: readonly string[] };
  handler(request: Request): Promise<Record<string, unknown>>;
}

/**
 * Something the token-exchange grant issues besides the gateway's own access tokens: a module claims a `resource` or
 * `audience` it serves and answers the whole exchange. The request type is the kernel's ExchangeRequest.
 */
export interface ExchangeTargetOf<Request = never> {
  /** Unique (the registry key). */
  name: string;
  /** True when this target issues for what the request names. */
  claims(request: { resources: readonly string[]; audience?: string }): boolean;
  /** The RFC 8693 §2.2.1 response, or throws an OAuthError (invalid_target, invalid_grant…). */
  exchange(request: Request): Promise<Record<string, unknown>>;
}

/** A health check a module adds (its start): `/health` reports `component` failing when `check` is false. */
export interface HealthCheck {
  name: string;
  component: 'encryption';
  check(): boolean;
}

/** The registries of one app, created empty by `createRegistries` and filled from the manifests. */
export interface Registries {
  scopes: Registry<ScopeInfo>;
  eventTypes: Registry<EventType>;
  errorCodes: Registry<ErrorCode>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  grantTypes: Registry<GrantType<any>>;
  /** Who names the app waiting behind a sign-in's `return_to`, one per declaring module. */
  returnToDescribers: Registry<DeclaredReturnToDescriber>;
  /** What the token-exchange grant may issue besides the gateway's own access tokens. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  exchangeTargets: Registry<ExchangeTargetOf<any>>;
  /** Checks `/health` runs besides its own (the vault's data-key canary). */
  healthChecks: Registry<HealthCheck>;
  /** Parts of the consent form besides the scopes (the proxy's limits per action), filled by module starts. */
  grantFormParts: Registry<GrantFormPart>;
}

/** A scope-token (RFC 6749 §3.3): printable ASCII except space, `"` and `\`. */
export const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/** New, empty registries for one app: two apps in one process share nothing. */
export function createRegistries(): Registries {
  return {
    scopes: new Registry<ScopeInfo>(
      'scope',
      (s) => s.name,
      (s) => (SCOPE_TOKEN.test(s.name) ? undefined : 'not a valid scope-token (RFC 6749 §3.3)'),
    ),
    eventTypes: new Registry<EventType>('audit event type', (e) => e.action),
    errorCodes: new Registry<ErrorCode>(
      'error code',
      (e) => e.code,
      (e) => (/^ERR_[A-Z0-9_]+$/.test(e.code) ? undefined : 'must match ERR_[A-Z0-9_]+'),
    ),
    grantTypes: new Registry('grant type', (g) => g.grantType),
    returnToDescribers: new Registry<DeclaredReturnToDescriber>('return_to describer', (d) => d.module),
    exchangeTargets: new Registry<ExchangeTargetOf<never>>('token-exchange target', (t) => t.name),
    healthChecks: new Registry<HealthCheck>('health check', (h) => h.name),
    grantFormParts: new Registry<GrantFormPart>('grant form part', (p) => p.name),
  };
}
