import type { AppContext, Resource } from '../../kernel/index.js';
import { grantableScopes } from '../../scopes/index.js';
import type { OAuthClient } from '../clients/oauth-client.js';

/**
 * The scopes an OAuth request of `client` may be granted for `resources` (the authorization request, and
 * client_credentials): the scopes domain's resolution with this gateway's valid and default scopes.
 */
export function clientScopes(
  ctx: Pick<AppContext, 'registries' | 'config'>,
  client: OAuthClient,
  scope: string | undefined,
  resources: readonly Resource[],
): string[] {
  return grantableScopes(ctx.registries.scopes, {
    scope,
    clientScopes: client.scope,
    resources,
    validScopes: ctx.config.oauthValidScopes,
    defaultScopes: ctx.config.oauthDefaultScopes,
  });
}
