import type { AppContext } from '../kernel/index.js';
import type { ActionDescriptor, PluginModule } from './plugin.js';
import type { InputValidator } from './validate-input.js';
import type { UpstreamDispatchers } from './upstream-client.js';

/** One action of one plugin, as the host serves it. */
export interface HostedAction {
  plugin: PluginModule;
  action: ActionDescriptor;
  /** `{plugin}.{action}`: how audit events and MCP tools name it. */
  qualifiedName: string;
  /** Validates an input against the action's schema (400 ERR_PROXY_INVALID_INPUT naming the field). */
  validate: InputValidator;
}

/** What a call needs of the plugin host (PluginHost implements it). */
export interface ActionHost {
  readonly ctx: AppContext;
  /** The SSRF-guarded connection pools of upstream calls. */
  readonly dispatchers: UpstreamDispatchers;
  /** The action, or 404 naming what is not there. */
  resolve(pluginId: string, name: string): HostedAction;
  /** A plugin's own options, as the config read them. */
  configOf(plugin: PluginModule): Readonly<Record<string, unknown>>;
}
