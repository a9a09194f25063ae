import type { AppContext, Principal } from '../../../kernel/index.js';
import type { ServedCredential } from '../../../vault/index.js';
import { AppError } from '../../../errors/index.js';
import { proxyCredential } from '../../proxy-credential.js';
import { proxyErrors } from '../../proxy-errors.js';
import type { FrontedMcpServer } from './mcp-servers-options.js';

/**
 * The `Authorization` a fronted server gets: `Bearer` + the person's credential of the server's vault provider (an
 * OAuth access token, or a key provider's field) with the credential it came from; nothing when the server has no provider. Refusals are the
 * proxy's (424 not connected / needs re-authorization, with the connect URL; 403 for a token without a person).
 * `recordedByCaller`: the caller's own audit event names the account (a tool call's proxy.called), so the vault
 * writes no vault.token_served beside it.
 */
export async function frontedAuthorization(
  ctx: AppContext,
  server: FrontedMcpServer,
  principal: Principal,
  ip: string | null,
  recordedByCaller = false,
): Promise<{ authorization?: string; served?: ServedCredential }> {
  const provider = server.provider;
  if (!provider) return {};
  if (principal.userId === null)
    throw new AppError(
      proxyErrors.ERR_PROXY_NO_PERSON,
      `The MCP server ${server.id} acts with a person's ${provider} account; this token is a client's own and has none.`,
    );
  const served = await proxyCredential(ctx, principal.userId, provider, {
    principal,
    name: `mcp server ${server.id}`,
    ip,
    recordedByCaller,
  });
  const values = served.values ?? {};
  const secret = served.accessToken ?? (server.credential_field ? values[server.credential_field] : Object.values(values)[0]);
  if (!secret)
    throw new AppError(
      proxyErrors.ERR_PROXY_PROVIDER_NOT_CONFIGURED,
      `The ${provider} credential has no field to send to the MCP server ${server.id}: ask the gateway's operator.`,
      { provider },
    );
  return { authorization: `Bearer ${secret}`, served };
}
