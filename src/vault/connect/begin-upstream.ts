import * as oauth from 'oauth4webapi';
import { sha256 } from '../../crypto/index.js';
import { AppError } from '../../errors/index.js';
import type { OAuthProvider } from '../providers/index.js';
import type { Vault } from '../vault.js';
import type { VaultConnectSessionsTable } from '../tables.js';
import { vaultErrors } from '../vault-errors.js';
import { findConnectSession, refuseUnapprovable } from './connect-sessions.js';
import { requestedScopes } from './requested-scopes.js';

/** What a connect session keeps sealed until the callback: the PKCE verifier and the OIDC nonce. */
export interface FlowSecrets {
  verifier?: string;
  nonce?: string;
}

/** The aad of a connect session's sealed secrets: they open for that session only. */
export const flowAad = (sessionId: string) => `vault_connect_sessions:${sessionId}`;

/** Where the upstream sends the person back: `${publicUrl}/auth/callback/<provider>` (registered at the provider). */
export const callbackUrl = (publicUrl: string, providerId: string) => `${publicUrl}/auth/callback/${encodeURIComponent(providerId)}`;

/** The provider's authorization server, or ERR_VAULT_UPSTREAM_UNAVAILABLE when its discovery fails. */
export async function upstreamServer(vault: Vault, provider: OAuthProvider): Promise<oauth.AuthorizationServer> {
  try {
    return await vault.endpoints.resolve(provider);
  } catch (e) {
    vault.ctx.log.warn({ provider: provider.id, err: (e as Error).message }, 'upstream discovery failed');
    throw new AppError(vaultErrors.ERR_VAULT_UPSTREAM_UNAVAILABLE, `${provider.name} could not be reached; try again in a moment.`, {
      provider: provider.id,
    });
  }
}

/**
 * Takes an approved connect session upstream: binds it to the browser session that approved it, and returns the
 * provider's authorization URL (built as oauth4webapi expects the answer: PKCE S256 unless the provider says no,
 * a random `state` stored only as its SHA-256, a `nonce` for OpenID Connect, the provider's extra parameters, the
 * scopes joined with its separator). The verifier and nonce are sealed under the vault's ring, bound to the session.
 * The update is conditional (still pending, or this browser's own, and not expired), so two approvals cannot both
 * win; the loser is refused as used or expired.
 */
export async function beginUpstream(vault: Vault, session: VaultConnectSessionsTable, browserSessionId: string): Promise<string> {
  const provider = vault.provider(session.provider);
  if (provider.kind === 'api_key')
    throw new AppError(vaultErrors.ERR_VAULT_UNKNOWN_PROVIDER, `${provider.name} is connected with a form, not upstream.`);
  const as = await upstreamServer(vault, provider);
  if (!as.authorization_endpoint)
    throw new AppError(vaultErrors.ERR_VAULT_UPSTREAM_UNAVAILABLE, `${provider.name} has no authorization endpoint.`);
  const state = oauth.generateRandomState();
  const secrets: FlowSecrets = {
    ...(provider.pkce ? { verifier: oauth.generateRandomCodeVerifier() } : {}),
    ...(provider.kind === 'oidc' ? { nonce: oauth.generateRandomNonce() } : {}),
  };
  const url = new URL(as.authorization_endpoint);
  // The provider's extras first: they may not replace what the flow's safety rests on.
  for (const [k, v] of Object.entries(provider.authorizeParams)) url.searchParams.set(k, v);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', provider.clientId);
  url.searchParams.set('redirect_uri', callbackUrl(vault.ctx.config.publicUrl, provider.id));
  const scopes = requestedScopes(session.scopes, provider);
  if (scopes.length) url.searchParams.set('scope', scopes.join(provider.scopeSeparator));
  url.searchParams.set('state', state);
  if (secrets.verifier) {
    url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(secrets.verifier));
    url.searchParams.set('code_challenge_method', 'S256');
  }
  if (secrets.nonce) url.searchParams.set('nonce', secrets.nonce);

  const now = Date.now();
  const done = await vault.ctx.db
    .updateTable('vault_connect_sessions')
    .set({
      status: 'upstream',
      browser_session_id: browserSessionId,
      state_hash: sha256(state),
      secret_sealed: vault.ring.seal(JSON.stringify(secrets), flowAad(session.id)),
    })
    .where('id', '=', session.id)
    .where('user_id', '=', session.user_id)
    .where('expires_at', '>', now)
    .where((eb) =>
      eb.or([eb('status', '=', 'pending'), eb.and([eb('status', '=', 'upstream'), eb('browser_session_id', '=', browserSessionId)])]),
    )
    .executeTakeFirst();
  if (Number(done.numUpdatedRows) === 0) {
    const current = await findConnectSession(vault.ctx.db, session.id);
    if (current) refuseUnapprovable(current, browserSessionId);
    throw new AppError(vaultErrors.ERR_VAULT_SESSION_USED);
  }
  return url.href;
}
