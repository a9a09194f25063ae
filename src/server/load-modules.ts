import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MODULE_NAME, type GatewayModule } from '../kernel/index.js';

/** Thrown when an external module cannot be loaded or is not a GatewayModule; the message names it. */
export class ModuleLoadError extends Error {
  override name = 'ModuleLoadError';
}

/** What loadModules names in its errors, and what more it asks of each module. */
export interface LoadModulesOptions {
  /** The variable the specifiers came from (default OAUTH3_MODULES). */
  variable?: string;
  /** Why a loaded module is not what the variable asks for (e.g. not a plugin), or undefined when it is. */
  check?(m: GatewayModule): string | undefined;
}

/**
 * Loads the external modules named in OAUTH3_MODULES (or OAUTH3_PLUGINS: `o.variable`): a path (relative to the
 * working directory) or a package name, whose default export (or export `module`) is a GatewayModule.
 */
export async function loadModules(
  specifiers: readonly string[],
  cwd = process.cwd(),
  o: LoadModulesOptions = {},
): Promise<GatewayModule[]> {
  const variable = o.variable ?? 'OAUTH3_MODULES';
  const out: GatewayModule[] = [];
  for (const spec of specifiers) {
    const path = spec.startsWith('.') || isAbsolute(spec) ? pathToFileURL(resolve(cwd, spec)).href : spec;
    let loaded: Record<string, unknown>;
    try {
      loaded = await import(path);
    } catch (e) {
      throw new ModuleLoadError(`${variable}: cannot load ${spec}: ${(e as Error).message.split('\n')[0]}`);
    }
    const m = (loaded.default ?? loaded.module) as GatewayModule | undefined;
    if (!m || typeof m !== 'object' || typeof m.name !== 'string')
      throw new ModuleLoadError(`${variable}: ${spec} does not export a gateway module (default export with a name)`);
    const wrong = o.check?.(m);
    if (wrong) throw new ModuleLoadError(`${variable}: ${spec} ${wrong}`);
    out.push(m);
  }
  return out;
}

/** Checks that module names are well-formed and unique. */
export function checkModuleNames(modules: readonly GatewayModule[]): void {
  const seen = new Set<string>();
  for (const m of modules) {
    if (!MODULE_NAME.test(m.name)) throw new ModuleLoadError(`module name "${m.name}" must match ${MODULE_NAME}`);
    if (seen.has(m.name)) throw new ModuleLoadError(`two modules are named "${m.name}"`);
    seen.add(m.name);
  }
}
