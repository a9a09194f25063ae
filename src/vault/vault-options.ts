import { opt, type OptionSchema, type OptionValues } from '../config/index.js';

/** The vault's slice of the config: the upstream providers people connect, and when their tokens are refreshed. */
export const vaultOptions = {
  providers: opt.json<unknown[]>(
    'OAUTH3_PROVIDERS',
    'Upstream providers people may connect: a JSON list of entries (a preset such as google, github, x, telegram, or every field), validated at start.',
    [],
    (v) => (Array.isArray(v) ? undefined : 'must be a JSON list of providers'),
  ),
  providersFile: opt.string<string | undefined>(
    'OAUTH3_PROVIDERS_FILE',
    'A JSON or YAML file of more providers (a list, or an object with a "providers" list), read and validated at start.',
    undefined,
  ),
  vaultRefreshMargin: opt.int(
    'OAUTH3_VAULT_REFRESH_MARGIN',
    'Refresh an upstream token this many seconds before it expires (a provider may set its own refresh_margin).',
    300,
    0,
    86400,
  ),
} satisfies OptionSchema;

declare module '../config/config.js' {
  interface Config extends OptionValues<typeof vaultOptions> {}
}
