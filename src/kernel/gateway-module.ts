import type { FastifyInstance } from 'fastify';
import type { Migration } from 'kysely';
import type { OptionSchema } from '../config/index.js';
import type { ErrorCode } from '../errors/index.js';
import type { AppContext } from './app-context.js';
import type { EventType, GrantType, ScopeInfo } from './registries.js';
import type { DescribedScope, Resource } from './resource-registry.js';
import type { ExchangeTarget } from './exchange-target.js';
import type { PendingApp } from './return-to-describer.js';

/**
 * One module of the gateway: a built-in domain, a plugin or a third-party extension, all alike. `buildApp`,
 * `createContext` and the docs generator iterate the manifests; nothing else keeps a list. An external module
 * is an ES module whose default export is one of these, named in `OAUTH3_MODULES`.
 *
 * Lifecycle: the options are read with the config; the migrations run (per module, in module order) when the
 * context is created, the declarations are registered, then `start` runs (module order), `routes` when the app is
 * built, and `stop` when it closes (reverse order).
 */
export interface GatewayModule {
  /** Lower-case and unique (`[a-z][a-z0-9_]*`): the source of what it declares, and its migrations' table. */
  name: string;
  /** Its slice of the config schema (option name → Option); names and variables are unique across modules. */
  options?: OptionSchema;
  /** Its migrations, by name (ordered by name, like Kysely's; each module has its own bookkeeping table). */
  migrations?: Record<string, Migration>;
  /** Scopes of the gateway's own API it declares (consent shows the description). */
  scopes?: readonly ScopeInfo[];
  eventTypes?: readonly EventType[];
  errorCodes?: readonly ErrorCode[];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  grantTypes?: readonly GrantType<any>[];
  /** What the token-exchange grant issues for a resource or audience this module serves (see ExchangeTarget). */
  exchangeTargets?: readonly ExchangeTarget[];
  /** Names the app waiting behind a sign-in's `return_to` when the path is one of this module's flows (see ReturnToDescriber). */
  describeReturnTo?(ctx: AppContext, returnTo: string): Promise<PendingApp | undefined>;
  /**
   * Protected resources it serves elsewhere than the gateway's API (a fronted MCP server), with their scopes.
   * `modules` are the app's modules, in order (the MCP server offers the scopes of the plugins among them).
   */
  resources?: (
    ctx: AppContext,
    modules: readonly GatewayModule[],
  ) => ReadonlyArray<Omit<Resource, 'scopes' | 'source'> & { scopes: readonly DescribedScope[] }>;
  /**
   * Background work and wiring that needs the context (timers, sources); runs before any route is added. `modules`
   * are the app's modules, in order (the proxy finds its plugins among them).
   */
  start?(ctx: AppContext, modules: readonly GatewayModule[]): Promise<void> | void;
  /** Its routes and hooks. */
  routes?(app: FastifyInstance, ctx: AppContext): Promise<void> | void;
  /**
   * Deletes its rows that can never be used again (expired codes, ended rate windows, approvals long past their
   * expiry…). The gateway's periodic prune (every 10 minutes, one pass over the modules in order) calls it with the
   * time to prune as of; returns the rows deleted. A failure is logged and the other modules still prune.
   */
  prune?(ctx: AppContext, now: number): Promise<number>;
  /** Stops what `start` began (after the HTTP server stopped, before the database closes). */
  stop?(ctx: AppContext): Promise<void> | void;
}

/** What a module name must look like (it names the module's migration table). */
export const MODULE_NAME = /^[a-z][a-z0-9_]*$/;
