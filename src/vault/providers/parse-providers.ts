import { closestName } from '../../config/index.js';
import { EntryReader, ProviderConfigError } from './entry-reader.js';
import { parseKeyProvider } from './parse-key-provider.js';
import { parseOAuthProvider } from './parse-oauth-provider.js';
import { presets, type PresetName } from './presets.js';
import type { Provider } from './provider.js';

const ID = /^[a-z][a-z0-9_-]*$/;
const KINDS = ['oauth2', 'oidc', 'api_key'] as const;

/** What parsing needs besides the entries. */
export interface ParseProvidersOptions {
  /** For `client_secret_env`. */
  env?: NodeJS.ProcessEnv;
  /** A provider's `refresh_margin` when its entry gives none (OAUTH3_VAULT_REFRESH_MARGIN). */
  refreshMarginSeconds?: number;
  /** Ids already taken (by providers from another source). */
  taken?: ReadonlySet<string>;
}

/** One entry merged over its preset (the entry's fields win; `preset` itself is dropped). */
function withPreset(r: EntryReader): Record<string, unknown> {
  const name = r.string('preset');
  if (name === undefined) return { ...r.entry };
  if (!Object.hasOwn(presets, name)) {
    const closest = closestName(name, Object.keys(presets));
    r.fail('preset', `"${name}" is not a preset (${Object.keys(presets).join(', ')})${closest ? `; did you mean "${closest}"?` : ''}`);
  }
  const { preset: _, ...own } = r.entry;
  return { id: name, ...structuredClone(presets[name as PresetName]), ...own };
}

/**
 * Validates providers entries (the JSON/YAML list of OAUTH3_PROVIDERS or the providers file, snake_case) into
 * Providers: presets filled in, secrets read from the environment, URLs https (http on loopback only), ids
 * `[a-z][a-z0-9_-]*` and unique. Throws a ProviderConfigError naming the provider (its id, or `#n`) and the field.
 */
export function parseProviders(raw: unknown, o: ParseProvidersOptions = {}): Provider[] {
  if (!Array.isArray(raw)) throw new ProviderConfigError('must be a list of providers');
  const seen = new Set(o.taken);
  return raw.map((item: unknown, i) => {
    if (!item || typeof item !== 'object' || Array.isArray(item)) throw new ProviderConfigError(`provider #${i + 1} must be an object`);
    const unnamed = new EntryReader(`#${i + 1}`, withPreset(new EntryReader(`#${i + 1}`, item as Record<string, unknown>)));
    const id = unnamed.required('id', ' (or a preset)');
    if (!ID.test(id)) unnamed.fail('id', `"${id}" must match [a-z][a-z0-9_-]*`);
    const r = new EntryReader(`"${id}"`, unnamed.entry);
    if (seen.has(id)) r.fail('id', 'is given twice');
    seen.add(id);
    r.required('kind', ` (${KINDS.join(', ')}, or a preset)`);
    const kind = r.oneOf('kind', KINDS, 'oauth2');
    const name = r.string('name') ?? id;
    if (kind === 'api_key') return parseKeyProvider(r, { id, name });
    return parseOAuthProvider(r, { id, name, kind }, o.env ?? process.env, o.refreshMarginSeconds ?? 300);
  });
}
