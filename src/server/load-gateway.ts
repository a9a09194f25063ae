import { configSchema, loadConfig, refuseUnknownVariables, type Config } from '../config/index.js';
import type { GatewayModule } from '../kernel/index.js';
import { builtinModules } from './builtin-modules.js';
import { checkModuleNames, loadModules } from './load-modules.js';

/** The config and the modules of one gateway. */
export interface Gateway {
  config: Config;
  /** Built-ins first, then `extra` (embedders, tests), then those of OAUTH3_MODULES. */
  modules: readonly GatewayModule[];
}

/** The modules of a gateway: the built-ins, `extra`, then the external ones OAUTH3_MODULES names (loaded now). */
export async function gatewayModules(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<Config> = {},
  extra: readonly GatewayModule[] = [],
): Promise<GatewayModule[]> {
  const { modules: specifiers } = loadConfig(env, overrides, [], ['modules']);
  const modules = [...builtinModules, ...extra, ...(await loadModules(specifiers))];
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
