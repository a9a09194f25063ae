import type { StoredCredentials } from '../../src/client/index.js';
import { codeFor, exchange, publicClient } from '../oauth/support/oauth-helpers.js';
import type { TestApp } from './test-app.js';
import type { TestUser } from './test-user.js';

const REDIRECT = 'http://127.0.0.1/callback';

/**
 * What `oauth3 login` would store for `user`, got without a browser: the gateway's AS metadata, a public client
 * registered with DCR, consent through the person's session, the code exchanged with PKCE and `resource` on both
 * requests (RFC 8707). The tokens are real: the gateway verifies and refreshes them.
 */
export async function gatewayCredentials(
  app: TestApp,
  user: TestUser,
  o: { scopes: string[]; resource?: string },
): Promise<StoredCredentials> {
  const meta = (await (await fetch(`${app.url}/.well-known/oauth-authorization-server`)).json()) as Record<string, string>;
  const client = await publicClient(app, REDIRECT, { client_name: 'oauth3 CLI (test)' });
  const resource: Record<string, string> = o.resource ? { resource: o.resource } : {};
  const { code, verifier } = await codeFor(app, user, client.client_id, REDIRECT, { scope: o.scopes.join(' '), ...resource });
  const res = await exchange(app, client.client_id, code, verifier, REDIRECT, resource);
  if (res.status !== 200) throw new Error(`token exchange: ${res.status} ${JSON.stringify(res.body)}`);
  const now = Math.floor(Date.now() / 1000);
  return {
    version: 1,
    issuer: meta.issuer!,
    ...resource,
    server: {
      token_endpoint: meta.token_endpoint!,
      revocation_endpoint: meta.revocation_endpoint,
      authorization_endpoint: meta.authorization_endpoint,
    },
    client: { client_id: client.client_id, token_endpoint_auth_method: 'none', registration: 'dcr' },
    access_token: res.body.access_token,
    token_type: res.body.token_type,
    refresh_token: res.body.refresh_token,
    expires_at: now + Number(res.body.expires_in),
    scope: res.body.scope ?? o.scopes.join(' '),
    account: { sub: user.userId },
    obtained_at: now,
  };
}
