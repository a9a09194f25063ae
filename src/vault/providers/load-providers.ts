import { readFileSync } from 'node:fs';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { ConfigError } from '../../config/index.js';
import { ProviderConfigError } from './entry-reader.js';
import { parseProviders } from './parse-providers.js';
import type { Provider } from './provider.js';

/** The options loadProviders reads (the vault's slice of the config). */
export interface ProvidersConfig {
  /** OAUTH3_PROVIDERS: the entries, not yet validated. */
  providers: unknown[];
  /** OAUTH3_PROVIDERS_FILE */
  providersFile?: string;
  /** OAUTH3_VAULT_REFRESH_MARGIN, seconds */
  vaultRefreshMargin: number;
}

/** The entries of a providers file: a JSON or YAML list, or an object whose `providers` is that list. */
function readProvidersFile(path: string): unknown[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`OAUTH3_PROVIDERS_FILE: cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text); // YAML 1.2 reads JSON as well
  } catch (e) {
    const line = e instanceof YAMLParseError && e.linePos ? ` (line ${e.linePos[0].line})` : '';
    throw new ConfigError(`OAUTH3_PROVIDERS_FILE: ${path} is not valid JSON or YAML${line}`);
  }
  if (doc && typeof doc === 'object' && !Array.isArray(doc) && Array.isArray((doc as { providers?: unknown }).providers))
    return (doc as { providers: unknown[] }).providers;
  if (Array.isArray(doc)) return doc;
  throw new ConfigError(`OAUTH3_PROVIDERS_FILE: ${path} must hold a list of providers (or an object with a "providers" list)`);
}

/**
 * The configured providers: OAUTH3_PROVIDERS, then those of OAUTH3_PROVIDERS_FILE, validated (ids unique across
 * both). `env` gives the variables `client_secret_env` names. A bad entry throws a ConfigError naming the source,
 * the provider and the field: `OAUTH3_PROVIDERS: provider "google": client_id is required`. Never a secret.
 */
export function loadProviders(config: ProvidersConfig, env: NodeJS.ProcessEnv = process.env): Provider[] {
  const sources: [string, () => unknown[]][] = [['OAUTH3_PROVIDERS', () => config.providers]];
  if (config.providersFile)
    sources.push([`OAUTH3_PROVIDERS_FILE (${config.providersFile})`, () => readProvidersFile(config.providersFile!)]);
  const out: Provider[] = [];
  for (const [where, entries] of sources) {
    const list = entries();
    try {
      out.push(...parseProviders(list, { env, refreshMarginSeconds: config.vaultRefreshMargin, taken: new Set(out.map((p) => p.id)) }));
    } catch (e) {
      if (e instanceof ProviderConfigError) throw new ConfigError(`${where}: ${e.message}`);
      throw e;
    }
  }
  return out;
}
