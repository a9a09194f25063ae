import { vaultOf } from '../../src/vault/index.js';
import type { TestApp } from './test-app.js';
import { obtainTokens, type UpstreamOidc, type UpstreamTokenSet } from './upstream-oidc.js';

/** The claims of a JWT's payload (not verified: the test upstream issued it). */
export function jwtClaims(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/**
 * Connects the person to the test upstream without a browser: a real first token set from `obtainTokens`, stored
 * with `vaultOf(app.ctx).store` as the connect flow would (account from the ID token's email, expiry from
 * `expires_in`). The provider id is `upstream` unless `provider` says otherwise. Returns the connection id and the
 * tokens the upstream gave.
 */
export async function connectUpstream(
  app: TestApp,
  userId: string,
  upstream: UpstreamOidc,
  o: { provider?: string; login?: string } = {},
): Promise<{ connectionId: string; tokens: UpstreamTokenSet }> {
  const tokens = await obtainTokens(upstream, { login: o.login });
  const connectionId = await vaultOf(app.ctx).store({
    userId,
    provider: o.provider ?? 'upstream',
    account: tokens.id_token ? ((jwtClaims(tokens.id_token).email as string | undefined) ?? null) : null,
    scopes: tokens.scope ?? '',
    secret: {
      kind: 'oauth',
      access_token: tokens.access_token,
      token_type: tokens.token_type,
      ...(tokens.refresh_token ? { refresh_token: tokens.refresh_token } : {}),
      ...(tokens.id_token ? { id_token: tokens.id_token } : {}),
    },
    expiresAt: Date.now() + tokens.expires_in * 1000,
  });
  return { connectionId, tokens };
}
