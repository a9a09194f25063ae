import type { AppContext, Principal } from '../kernel/index.js';
import { AppError } from '../errors/index.js';
import { isPluginModule, type PluginModule } from './plugin.js';
import type { ActionHost, HostedAction } from './hosted-action.js';
import { proxyErrors } from './proxy-errors.js';
import { compileInput } from './validate-input.js';
import { invokeAction, type ActionRequest } from './invoke-action.js';
import { UpstreamDispatchers } from './upstream-client.js';

export type { HostedAction } from './hosted-action.js';

/** What a name must look like: a plugin id is `[a-z][a-z0-9_]*`, an action name may have dots (`tweet.post`). */
const PLUGIN_ID = /^[a-z][a-z0-9_]*$/;
const ACTION_NAME = /^[a-z][a-z0-9_.]*$/;

/**
 * The plugins of one app, from its manifests (the modules that have a `plugin`), checked at start: ids and action
 * names well-formed and unique, every action's scope declared by its module, every input schema compilable. The
 * HTTP routes (`POST /proxy/{plugin}/{action}`) and the gateway's MCP server both serve from it.
 */
export class PluginHost implements ActionHost {
  private readonly byId = new Map<string, PluginModule>();
  private readonly byName = new Map<string, HostedAction>();
  /** The connection pools of upstream calls (SSRF-guarded); closed with the app. */
  readonly dispatchers: UpstreamDispatchers;

  constructor(
    readonly ctx: AppContext,
    modules: ReadonlyArray<{ name: string }>,
  ) {
    this.dispatchers = new UpstreamDispatchers(ctx.config.proxyAllowRanges);
    for (const m of modules) {
      if (!isPluginModule(m)) continue;
      const p = m.plugin;
      if (!PLUGIN_ID.test(p.id)) throw new Error(`plugin ${m.name}: id "${p.id}" must match ${PLUGIN_ID}`);
      if (this.byId.has(p.id)) throw new Error(`two plugins have the id "${p.id}" (modules ${this.byId.get(p.id)!.name} and ${m.name})`);
      this.byId.set(p.id, m);
      const declared = new Set((m.scopes ?? []).map((s) => s.name));
      for (const a of p.actions) {
        const where = `plugin ${p.id}, action ${a.name}`;
        if (!ACTION_NAME.test(a.name)) throw new Error(`${where}: the name must match ${ACTION_NAME}`);
        if (!a.scope || !declared.has(a.scope))
          throw new Error(`${where}: its scope "${a.scope}" is not one of the scopes the plugin's module declares`);
        const qualifiedName = `${p.id}.${a.name}`;
        if (this.byName.has(qualifiedName)) throw new Error(`${where}: two actions have this name`);
        this.byName.set(qualifiedName, { plugin: m, action: a, qualifiedName, validate: compileInput(a.input, where) });
      }
    }
  }

  /** Every plugin, in module order. */
  plugins(): PluginModule[] {
    return [...this.byId.values()];
  }

  /** The plugin with this id, if loaded. */
  plugin(id: string): PluginModule | undefined {
    return this.byId.get(id);
  }

  /** Every action of every plugin. */
  actions(): HostedAction[] {
    return [...this.byName.values()];
  }

  /** The action `name` of plugin `pluginId`, if any. */
  action(pluginId: string, name: string): HostedAction | undefined {
    return this.byName.get(`${pluginId}.${name}`);
  }

  /** The actions a principal's scopes allow (sessions: none, they are never a proxy bearer). */
  actionsFor(principal: Pick<Principal, 'scopes' | 'kind'>): HostedAction[] {
    if (principal.kind === 'session') return [];
    return this.actions().filter((h) => principal.scopes.includes(h.action.scope));
  }

  /** The action, or 404 ERR_PROXY_UNKNOWN_PLUGIN / ERR_PROXY_UNKNOWN_ACTION naming what is not there. */
  resolve(pluginId: string, name: string): HostedAction {
    if (!this.byId.has(pluginId))
      throw new AppError(
        proxyErrors.ERR_PROXY_UNKNOWN_PLUGIN,
        PLUGIN_ID.test(pluginId) && pluginId.length <= 64 ? `No plugin "${pluginId}" is loaded.` : undefined,
      );
    const hosted = this.action(pluginId, name);
    if (!hosted)
      throw new AppError(
        proxyErrors.ERR_PROXY_UNKNOWN_ACTION,
        // Named only when it could be a name: the caller's text is not repeated whole
        ACTION_NAME.test(name) && name.length <= 64
          ? `The plugin "${pluginId}" has no action "${name}".`
          : `The plugin "${pluginId}" has no such action.`,
      );
    return hosted;
  }

  /**
   * Calls an action for a verified principal: the scope (403 insufficient_scope naming it), the input (400 naming
   * the field), the person's credential from the vault (424 not connected / needs re-authorization), the handler
   * with the upstream client, one refresh and retry on an upstream 401, and the audit event `proxy.called`. The
   * caller verified the bearer (`ctx.tokens.verify`) for its own audience. Returns the handler's result.
   */
  call(request: ActionRequest): Promise<unknown> {
    return invokeAction(this, request);
  }

  /** A plugin's own options (its module's `options` slice), as the config read them. */
  configOf(plugin: PluginModule): Readonly<Record<string, unknown>> {
    const config = this.ctx.config as unknown as Record<string, unknown>;
    return Object.freeze(Object.fromEntries(Object.keys(plugin.options ?? {}).map((k) => [k, config[k]])));
  }

  /** Closes the upstream connection pools. */
  close(): Promise<void> {
    return this.dispatchers.close();
  }
}
