import { configSchema, loadConfig, refuseUnknownVariables, type Config } from '../config/index.js';
import type { GatewayModule } from '../kernel/index.js';
import { builtinModules } from './builtin-modules.js';
import { checkModuleNames, loadModules } from './load-modules.js';
import { httpPluginModules, isPluginModule } from '../proxy/index.js';

/** The config and the modules of one gateway. */
export interface Gateway {
  config: Config;
  /** Built-ins first, then `extra` (embedders, tests), then those of OAUTH3_MODULES, the plugins of OAUTH3_PLUGINS, those of OAUTH3_HTTP_PLUGINS. */
  modules: readonly GatewayModule[];
}

/**
 * The modules of a gateway: the built-ins, `extra`, then the external ones OAUTH3_MODULES names, then the plugins
 * OAUTH3_PLUGINS names (loaded now; one that is not a plugin module stops the start, naming it), then one plugin per
 * HTTP API of OAUTH3_HTTP_PLUGINS (read early too: their scopes are declarations).
 */
export async function gatewayModules(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<Config> = {},
  extra: readonly GatewayModule[] = [],
): Promise<GatewayModule[]> {
  const early = loadConfig(
    env,
    overrides,
    builtinModules.map((m) => m.options ?? {}),
    ['modules', 'plugins', 'httpPlugins'],
  );
  const plugins = await loadModules(early.plugins, process.cwd(), {
    variable: 'OAUTH3_PLUGINS',
    check: (m) =>
      isPluginModule(m) ? undefined : 'does not export a plugin module (a gateway module with a `plugin`: see docs/plugins.md)',
  });
  const modules = [...builtinModules, ...extra, ...(await loadModules(early.modules)), ...plugins, ...httpPluginModules(early.httpPlugins)];
  checkModuleNames(modules);
  return modules;
}

/**
 * Reads which external modules to load (OAUTH3_MODULES), loads them, then reads and validates the whole config:
 * the core options and every module's slice, refusing an unknown `OAUTH3_*` variable (a typo). Throws a ConfigError or
 * ModuleLoadError naming what is wrong.
 */
export async function loadGateway(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<Config> = {},
  extra: readonly GatewayModule[] = [],
): Promise<Gateway> {
  const modules = await gatewayModules(env, overrides, extra);
  const slices = modules.map((m) => m.options ?? {});
  refuseUnknownVariables(env, configSchema(slices)); // only now is every option known
  return { config: loadConfig(env, overrides, slices), modules };
}
