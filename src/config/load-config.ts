import { readFileSync } from 'node:fs';
import type { Config } from './config.js';
import { coreOptions } from './core-options.js';
import type { OptionSchema } from './option.js';
import { closestName } from './closest-name.js';

/** Thrown when configuration is invalid; the message names the variable and what is wrong. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** The one schema: the core options and every slice, refusing an option name or variable declared twice. */
export function configSchema(slices: readonly OptionSchema[] = []): OptionSchema {
  const schema: OptionSchema = { ...coreOptions };
  const envs = new Map(Object.entries(schema).map(([key, o]) => [o.env, key]));
  for (const slice of slices) {
    for (const [key, option] of Object.entries(slice)) {
      if (key in schema) throw new ConfigError(`option "${key}" is declared twice`);
      if (envs.has(option.env)) throw new ConfigError(`${option.env} is declared twice (options "${envs.get(option.env)}" and "${key}")`);
      schema[key] = option;
      envs.set(option.env, key);
    }
  }
  return schema;
}

/** The JSON file named by OAUTH3_CONFIG, if any: its path and its object. */
function readConfigFile(env: NodeJS.ProcessEnv): { path?: string; values: Record<string, unknown> } {
  const path = env.OAUTH3_CONFIG || undefined;
  if (!path) return { values: {} };
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`OAUTH3_CONFIG: cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  let values: unknown;
  try {
    values = JSON.parse(text);
  } catch {
    throw new ConfigError(`OAUTH3_CONFIG: ${path} is not valid JSON`);
  }
  if (!values || typeof values !== 'object' || Array.isArray(values))
    throw new ConfigError(`OAUTH3_CONFIG: ${path} must hold a JSON object`);
  return { path, values: values as Record<string, unknown> };
}

/**
 * Reads the config from the environment and the optional JSON file named by OAUTH3_CONFIG, validates every
 * option of the core and of `slices` (the modules' options) and fails fast with the name of the bad variable.
 * `overrides` (typed values) win over both; tests use it. `only` reads just those options (the module list,
 * needed before the modules' slices are known) and ignores the rest.
 */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<Config> = {},
  slices: readonly OptionSchema[] = [],
  only?: readonly string[],
): Config {
  const schema = configSchema(slices);
  const file = readConfigFile(env);
  if (!only) {
    for (const key of Object.keys(file.values)) {
      if (!(key in schema)) {
        const closest = closestName(key, Object.keys(schema));
        throw new ConfigError(`OAUTH3_CONFIG: unknown option "${key}" in ${file.path}${closest ? `; did you mean "${closest}"?` : ''}`);
      }
    }
  }
  const out: Record<string, unknown> = {};
  const deferred: string[] = [];
  for (const [key, option] of Object.entries(schema)) {
    if (only && !only.includes(key)) continue;
    if (key in overrides) {
      out[key] = (overrides as Record<string, unknown>)[key];
      continue;
    }
    const fromEnv = env[option.env];
    const raw = fromEnv !== undefined && fromEnv !== '' ? fromEnv : file.values[key];
    if (raw === undefined) {
      deferred.push(key);
      continue;
    }
    try {
      out[key] = option.parse(raw);
    } catch (e) {
      const where = fromEnv !== undefined && fromEnv !== '' ? option.env : `${option.env} ("${key}" in ${file.path})`;
      throw new ConfigError(`${where}: ${(e as Error).message}`);
    }
  }
  for (const key of deferred) {
    const d = schema[key].default;
    out[key] = typeof d === 'function' ? (d as (c: Record<string, unknown>) => unknown)(out) : d;
  }
  return { ...(out as unknown as Config), configFile: file.path };
}
