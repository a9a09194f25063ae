import type { AppContext, Principal } from '../kernel/index.js';
import { AppError } from '../errors/index.js';
import { vaultErrors, vaultOf, type ServedCredential } from '../vault/index.js';
import { proxyErrors } from './proxy-errors.js';

/** Where a person connects the account an action needs. */
export function connectUrl(ctx: AppContext): string {
  return `${ctx.config.publicUrl.replace(/\/+$/, '')}/account/connections`;
}

/** The page where a person connects (or connects again) this provider's account: one button on to the provider. */
export function providerConnectUrl(ctx: AppContext, provider: string): string {
  return `${connectUrl(ctx)}/${encodeURIComponent(provider)}/connect`;
}

/**
 * The person's credential from the vault for a proxied call (an action, or a fronted MCP server's tool: `name` says
 * which, for the vault's audit and "last used by"), its refusals as the proxy's (424 not connected / needs
 * re-authorization with the connect URL, 424 provider not configured, 503 upstream unavailable). `recordedByCaller`:
 * the caller's own audit event records the use (the action's proxy.called), so the vault writes no vault.token_served.
 */
export async function proxyCredential(
  ctx: AppContext,
  userId: string,
  provider: string,
  o: { principal: Principal; name: string; ip?: string | null; recordedByCaller?: boolean },
): Promise<ServedCredential> {
  const p = o.principal;
  try {
    return await vaultOf(ctx).credentialFor(
      userId,
      provider,
      { server: p.clientId ? `agent:${p.clientId}` : `api_token:${p.tokenId}`, name: o.name, ip: o.ip ?? null },
      { audit: !o.recordedByCaller },
    );
  } catch (e) {
    if (!(e instanceof AppError)) throw e;
    const details = { provider, connect_url: connectUrl(ctx) };
    if (e.code === vaultErrors.ERR_VAULT_NOT_CONNECTED.code)
      throw new AppError(
        proxyErrors.ERR_PROXY_NOT_CONNECTED,
        `The person has not connected a ${provider} account: they connect it at ${connectUrl(ctx)}.`,
        details,
      );
    if (e.code === vaultErrors.ERR_VAULT_NEEDS_REAUTH.code)
      throw new AppError(
        proxyErrors.ERR_PROXY_NEEDS_REAUTH,
        `The ${provider} authorization stopped working: the person must connect the account again at ${connectUrl(ctx)}.`,
        details,
      );
    if (e.code === vaultErrors.ERR_VAULT_UNKNOWN_PROVIDER.code)
      throw new AppError(
        proxyErrors.ERR_PROXY_PROVIDER_NOT_CONFIGURED,
        `This plugin needs the provider "${provider}", which this gateway does not configure: ask its operator.`,
        { provider },
      );
    if (e.code === vaultErrors.ERR_VAULT_UPSTREAM_UNAVAILABLE.code)
      throw new AppError(proxyErrors.ERR_PROXY_UPSTREAM_UNAVAILABLE, undefined, { provider, ...(e.details ?? {}) });
    throw e;
  }
}
