import * as oauth from 'oauth4webapi';
import type { RequestMeta } from '../../kernel/index.js';
import { sha256 } from '../../crypto/index.js';
import { AppError, type ErrorCode } from '../../errors/index.js';
import {
  clientAuth,
  dialectRequestOptions,
  dialectResponseOptions,
  oauthClient,
  upstreamRequestOptions,
  type OAuthProvider,
} from '../providers/index.js';
import type { Vault } from '../vault.js';
import type { VaultConnectSessionsTable } from '../tables.js';
import { vaultErrors } from '../vault-errors.js';
import { callbackUrl, flowAad, upstreamServer, type FlowSecrets } from './begin-upstream.js';
import { upstreamAccount } from './upstream-account.js';

/** How a callback ended, for the page that follows (a refusal before the session was claimed is thrown instead). */
export interface ConnectOutcome {
  provider: string;
  providerName: string;
  /** The upstream account's name, when connected and named. */
  account: string | null;
  /** Set when the upstream (or the exchange) refused: an OAuth error code, also stored in the session. */
  error?: string;
  /** Where the session said to go afterwards (a gateway path), if anywhere. */
  returnTo: string | null;
  /** The server that started it (`apikey:<id>`), now allowed when connected; null when the person did. */
  server: string | null;
}

/** An upstream's error code as stored and shown: an OAuth error code's characters only, never more than 64. */
const errorCode = (v: string | undefined) => (v && /^[\x20-\x7e]{1,64}$/.test(v) ? v.replace(/[^A-Za-z0-9_.-]/g, '_') : 'invalid_response');

/** Why the upstream answer or the code exchange failed, as an error code (no token, no URL); undefined: a fault of ours. */
function failureCode(e: unknown): string | undefined {
  if (e instanceof oauth.AuthorizationResponseError || e instanceof oauth.ResponseBodyError) return errorCode(e.error);
  if (e instanceof oauth.WWWAuthenticateChallengeError) return 'invalid_client';
  if (e instanceof oauth.OperationProcessingError) {
    return /"iss"/.test(e.message) ? 'iss_mismatch' : /nonce/.test(e.message) ? 'nonce_mismatch' : 'invalid_response';
  }
  if (e instanceof AppError && e.code === vaultErrors.ERR_VAULT_UPSTREAM_UNAVAILABLE.code) return 'upstream_unavailable';
  const name = (e as Error)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return 'upstream_timeout';
  if (e instanceof TypeError && /fetch failed/.test(e.message)) return 'upstream_unreachable';
  return undefined;
}

/**
 * The upstream's answer at `/auth/callback/<provider>`. The session is found by the SHA-256 of `state`, and refused
 * (ERR_VAULT_STATE_MISMATCH, audited, nothing changed) when none has it, it is of another provider, or this is not
 * the browser session that approved it; a finished one is ERR_VAULT_SESSION_USED, a late one expired. Then it is
 * claimed (upstream → exchanging, one conditional update: a second callback loses), the answer validated with
 * oauth4webapi (`iss` per RFC 9207 when sent or announced; an `error=` answer ends the session in error with that
 * code), the code exchanged (PKCE verifier, `expectedNonce` for OpenID Connect), the account named, and the
 * connection, the allowance of the server that started it and the session's completion stored in one transaction.
 */
export async function finishConnect(
  vault: Vault,
  providerId: string,
  params: URLSearchParams,
  /** Who is signed in in this browser (the session cookie), if anyone. */
  who: { sessionId: string; userId: string } | undefined,
  meta: RequestMeta,
): Promise<ConnectOutcome> {
  const { ctx } = vault;
  const state = params.get('state');
  const row = state
    ? await ctx.db.selectFrom('vault_connect_sessions').selectAll().where('state_hash', '=', sha256(state)).executeTakeFirst()
    : undefined;
  const refuse = (reason: string, code: ErrorCode = vaultErrors.ERR_VAULT_STATE_MISMATCH, message?: string): never => {
    if (row) {
      ctx.audit.enqueue({
        action: 'vault.connect_refused',
        result: 'failure',
        actor: who ? { type: 'user', id: who.userId } : { type: 'anonymous' },
        userId: row.user_id,
        target: { type: 'connect_session', id: row.id },
        ...meta,
        detail: { provider: row.provider, reason },
      });
    }
    throw new AppError(code, message, { provider: providerId });
  };
  if (!row || !state) return refuse('unknown state');
  if (row.provider !== providerId) return refuse('callback of another provider');
  if (!who) {
    const message = 'This browser is not signed in any more (signed out, or the session ended): sign in and connect the account again.';
    return refuse('another browser session', undefined, message);
  }
  if (row.browser_session_id !== who.sessionId) return refuse('another browser session');
  if (row.status !== 'upstream') return refuse('session already used', vaultErrors.ERR_VAULT_SESSION_USED);
  const now = Date.now();
  if (Number(row.expires_at) <= now) return refuse('session expired', vaultErrors.ERR_VAULT_SESSION_EXPIRED);
  const provider = vault.provider(providerId); // before the claim: a provider no longer configured leaves it as it was
  if (provider.kind === 'api_key') return refuse('callback of a key provider');
  const claimed = await ctx.db
    .updateTable('vault_connect_sessions')
    .set({ status: 'exchanging' })
    .where('id', '=', row.id)
    .where('status', '=', 'upstream')
    .where('state_hash', '=', row.state_hash)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  if (Number(claimed.numUpdatedRows) === 0) return refuse('session already used', vaultErrors.ERR_VAULT_SESSION_USED);

  const outcome = {
    provider: provider.id,
    providerName: provider.name,
    returnTo: row.return_to,
    server: row.api_key_id ? `apikey:${row.api_key_id}` : null,
  };
  try {
    const tokens = await exchange(vault, provider, row, params, state);
    const account = await upstreamAccount(tokens.as, provider, tokens.response, (cause) =>
      ctx.log.warn({ provider: provider.id, cause }, 'naming the upstream account failed'),
    );
    const res = tokens.response;
    await ctx.db.transaction().execute(async (trx) => {
      await vault.store(
        {
          userId: row.user_id,
          provider: provider.id,
          account,
          scopes: res.scope ?? row.scopes,
          secret: {
            kind: 'oauth',
            access_token: res.access_token,
            token_type: res.token_type,
            ...(res.refresh_token ? { refresh_token: res.refresh_token } : {}),
            ...(res.id_token ? { id_token: res.id_token } : {}),
          },
          expiresAt: res.expires_in === undefined ? null : Date.now() + res.expires_in * 1000,
        },
        trx,
      );
      if (outcome.server) await vault.allow(row.user_id, provider.id, outcome.server, trx);
      await trx
        .updateTable('vault_connect_sessions')
        .set({ status: 'complete', account, secret_sealed: null, completed_at: Date.now() })
        .where('id', '=', row.id)
        .where('status', '=', 'exchanging')
        .execute();
    });
    return { ...outcome, account };
  } catch (e) {
    const error = failureCode(e) ?? 'internal_error';
    await ctx.db
      .updateTable('vault_connect_sessions')
      .set({ status: 'error', error, secret_sealed: null, completed_at: Date.now() })
      .where('id', '=', row.id)
      .execute();
    ctx.audit.enqueue({
      action: 'vault.connect_refused',
      result: 'failure',
      actor: { type: 'user', id: row.user_id },
      userId: row.user_id,
      target: { type: 'connect_session', id: row.id },
      ...meta,
      detail: { provider: provider.id, reason: 'upstream refused', error },
    });
    if (error === 'internal_error') throw e;
    if (!(e instanceof oauth.AuthorizationResponseError))
      ctx.log.warn({ provider: provider.id, error }, 'connecting an upstream account failed');
    return { ...outcome, account: null, error };
  }
}

/** Validates the authorization response and exchanges its code (oauth4webapi). */
async function exchange(vault: Vault, provider: OAuthProvider, row: VaultConnectSessionsTable, params: URLSearchParams, state: string) {
  const as = await upstreamServer(vault, provider);
  const client = oauthClient(provider);
  const answer = oauth.validateAuthResponse(as, client, params, state);
  const secrets = JSON.parse((await vault.ring.open(row.secret_sealed ?? '', flowAad(row.id))).toString('utf8')) as FlowSecrets;
  const redirectUri = callbackUrl(vault.ctx.config.publicUrl, provider.id);
  const request = await oauth.authorizationCodeGrantRequest(
    as,
    client,
    clientAuth(provider),
    answer,
    redirectUri,
    secrets.verifier ?? oauth.nopkce,
    dialectRequestOptions(provider, upstreamRequestOptions(as.token_endpoint!)),
  );
  const response = await oauth.processAuthorizationCodeResponse(as, client, request, {
    expectedNonce: secrets.nonce ?? oauth.expectNoNonce,
    requireIdToken: provider.kind === 'oidc',
    ...dialectResponseOptions(provider),
  });
  return { as, response };
}
