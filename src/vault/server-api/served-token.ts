import type { Provider } from '../providers/index.js';
import type { ServedCredential } from '../vault.js';

/** A served credential as the server API and the token exchange answer it. */
export interface ServedToken {
  /** The upstream access token; for a key provider, the value of its (first) secret field. */
  token: string;
  /** `Bearer` (as RFC 6750 spells it) or what the upstream said; `api_key` for a key provider. */
  tokenType: string;
  /** Seconds since the epoch; null: no expiry known (keys, tokens that do not expire). */
  expiresAt: number | null;
  scope: string;
  /** A key provider's entered values, by field name (a bot token, a base URL…). */
  values?: Record<string, string>;
}

/**
 * What a credential is served as. An OAuth connection: its upstream access token, typed as the upstream typed it
 * (`bearer` spelled `Bearer`). A key provider (a Telegram bot token, an HTTP API key): no OAuth token exists, so
 * `access_token` is the value of its first secret field, `token_type` is `api_key`, and `values` has every field.
 */
export function servedToken(provider: Provider, c: ServedCredential): ServedToken {
  const expiresAt = c.expiresAt === null ? null : Math.floor(c.expiresAt / 1000);
  if (provider.kind === 'api_key' || c.values) {
    const values = c.values ?? {};
    const main = provider.kind === 'api_key' ? (provider.fields.find((f) => f.secret) ?? provider.fields[0]) : undefined;
    return {
      token: (main && values[main.name]) ?? Object.values(values)[0] ?? '',
      tokenType: 'api_key',
      expiresAt,
      scope: c.scope,
      values,
    };
  }
  const tokenType = !c.tokenType || /^bearer$/i.test(c.tokenType) ? 'Bearer' : c.tokenType;
  return { token: c.accessToken ?? '', tokenType, expiresAt, scope: c.scope };
}
