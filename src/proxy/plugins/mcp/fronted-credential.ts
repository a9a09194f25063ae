import type { AppContext, Principal } from '../../../kernel/index.js';
import { AppError } from '../../../errors/index.js';
import { vaultErrors, vaultOf } from '../../../vault/index.js';
import { connectUrl } from '../../invoke-action.js';
import { proxyErrors } from '../../proxy-errors.js';
import type { FrontedMcpServer } from './mcp-servers-options.js';

/**
 * The `Authorization` a fronted server gets: `Bearer` + the person's credential of the server's vault provider (an
 * OAuth access token, or a key provider's field), or undefined when the server has no provider. Refusals are the
 * proxy's (424 not connected / needs re-authorization, with the connect URL; 403 for a token without a person).
 */
export async function frontedAuthorization(
  ctx: AppContext,
  server: FrontedMcpServer,
  principal: Principal,
  ip: string | null,
): Promise<string | undefined> {
  const provider = server.provider;
  if (!provider) return undefined;
  if (principal.userId === null)
    throw new AppError(
      proxyErrors.ERR_PROXY_NO_PERSON,
      `The MCP server ${server.id} acts with a person's ${provider} account; this token is a client's own and has none.`,
    );
  try {
    const served = await vaultOf(ctx).credentialFor(principal.userId, provider, {
      server: principal.clientId ? `agent:${principal.clientId}` : `api_token:${principal.tokenId}`,
      name: `mcp server ${server.id}`,
      ip,
    });
    const values = served.values ?? {};
    const secret = served.accessToken ?? (server.credential_field ? values[server.credential_field] : Object.values(values)[0]);
    if (!secret) throw new Error(`the ${provider} credential has no field to send to the MCP server ${server.id}`);
    return `Bearer ${secret}`;
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
    throw e;
  }
}
