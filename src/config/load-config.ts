import { readFileSync } from 'node:fs';
import { schema, type Config } from './schema.js';

/** Thrown when configuration is invalid; the message names the variable and what is wrong. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Reads the config from the environment and the optional JSON file named by OAUTH3_CONFIG, validates every
 * option and fails fast with the name of the bad variable. `overrides` (typed values) win over both; tests use it.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const configFile = env.OAUTH3_CONFIG || undefined;
  let file: Record<string, unknown> = {};
  if (configFile) {
    let text: string;
    try {
      text = readFileSync(configFile, 'utf8');
    } catch (e) {
      throw new ConfigError(`OAUTH3_CONFIG: cannot read ${configFile}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
    }
    try {
      file = JSON.parse(text);
    } catch {
      throw new ConfigError(`OAUTH3_CONFIG: ${configFile} is not valid JSON`);
    }
    if (!file || typeof file !== 'object' || Array.isArray(file)) throw new ConfigError(`OAUTH3_CONFIG: ${configFile} must hold a JSON object`);
    for (const key of Object.keys(file)) {
      if (!(key in schema)) throw new ConfigError(`OAUTH3_CONFIG: unknown option "${key}" in ${configFile}`);
    }
  }
  const out: Record<string, unknown> = {};
  const deferred: string[] = [];
  for (const [key, option] of Object.entries(schema)) {
    if (key in overrides) { out[key] = (overrides as Record<string, unknown>)[key]; continue; }
    const fromEnv = env[option.env];
    const raw = fromEnv !== undefined && fromEnv !== '' ? fromEnv : file[key];
    if (raw === undefined) { deferred.push(key); continue; }
    try {
      out[key] = option.parse(raw);
    } catch (e) {
      const where = fromEnv !== undefined && fromEnv !== '' ? option.env : `${option.env} ("${key}" in ${configFile})`;
      throw new ConfigError(`${where}: ${(e as Error).message}`);
    }
  }
  for (const key of deferred) {
    const d = (schema as Record<string, { default: unknown }>)[key].default;
    out[key] = typeof d === 'function' ? (d as (c: Record<string, unknown>) => unknown)(out) : d;
  }
  return { ...(out as Config), configFile };
}
