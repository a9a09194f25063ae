import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../kernel/index.js';
import { accountName, requestMeta, requireCsrf, requireUser, safeReturnTo } from '../../accounts/index.js';
import { AppError, httpErrors } from '../../errors/index.js';
import { oneTimeFlash, renderPage, type ErrorLink } from '../../web/index.js';
import type { VaultConnectSessionsTable } from '../tables.js';
import { KeyValueError } from '../providers/index.js';
import { vaultErrors } from '../vault-errors.js';
import { vaultOf } from '../vault-of.js';
import { serverNames } from '../pages/server-names.js';
import { connectionsRoutes } from '../pages/connections-routes.js';
import { beginUpstream } from './begin-upstream.js';
import { connectKey } from './connect-key.js';
import { findConnectSession, refuseUnapprovable } from './connect-sessions.js';
import { ConnectApproval } from './connect-approval.js';
import { sendConnectRefusal } from './connect-refusal.js';
import { finishConnect, type ConnectOutcome } from './finish-connect.js';
import { requestedScopes } from './requested-scopes.js';

const idParams = { type: 'object', properties: { id: { type: 'string', maxLength: 200 } } };
const providerParams = { type: 'object', properties: { provider: { type: 'string', maxLength: 200 } } };

/** The flash after a callback: what was connected (as whom, for which server), or why not, in words. */
export function outcomeMessage(o: ConnectOutcome, serverName?: string): { ok?: string; error?: string } {
  if (!o.error) {
    const connected = `Connected ${o.providerName}${o.account ? ` as ${o.account}` : ''}.`;
    return { ok: serverName ? `${connected} ${serverName} may use it now.` : connected };
  }
  const why =
    o.error === 'access_denied'
      ? 'access was denied there'
      : o.error === 'iss_mismatch'
        ? 'the answer did not come from it (RFC 9207 issuer mismatch)'
        : o.error === 'nonce_mismatch'
          ? 'its ID token was not made for this connection (nonce mismatch)'
          : o.error.startsWith('upstream_')
            ? 'it could not be reached; try again in a moment'
            : `it answered ${o.error}`;
  return { error: `${o.providerName} was not connected: ${why}.` };
}

/**
 * The connect flow: GET /auth/connect/:id (the `auth_url` a server hands the person: sign-in, then the same-person
 * check, then "server asks to use your provider account" with Approve / Deny), its POST (approve: to the provider;
 * deny: ends the session), and GET /auth/callback/:provider (the provider's answer, bound to the browser session
 * that approved and used once). Refusals are pages with their status. Then the Connections page.
 */
export async function connectRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const page = requireUser(ctx, { page: true });
  const flash = oneTimeFlash(ctx);
  const binding = (r: FastifyRequest) => r.accountSession?.id ?? '';

  /** The session of the path, for the signed-in person, still open to approval in this browser; refusals are thrown. */
  const approvable = async (request: FastifyRequest): Promise<VaultConnectSessionsTable> => {
    const row = await findConnectSession(ctx.db, (request.params as { id: string }).id);
    if (!row) throw new AppError(vaultErrors.ERR_VAULT_SESSION_NOT_FOUND);
    const userId = request.principal!.userId!;
    if (row.user_id !== userId) {
      ctx.audit.enqueue({
        action: 'vault.connect_refused',
        result: 'failure',
        actor: { type: 'user', id: userId },
        userId: row.user_id,
        target: { type: 'connect_session', id: row.id },
        ...requestMeta(request),
        detail: { provider: row.provider, reason: 'opened by another person' },
      });
      throw new AppError(vaultErrors.ERR_VAULT_WRONG_PERSON);
    }
    refuseUnapprovable(row, binding(request));
    return row;
  };
  /** Runs a step of the flow; a refusal (4xx) becomes its page. */
  const refusing = async (request: FastifyRequest, reply: FastifyReply, fn: () => Promise<FastifyReply>) => {
    try {
      return await fn();
    } catch (e) {
      const unavailable = e instanceof AppError && e.code === vaultErrors.ERR_VAULT_UPSTREAM_UNAVAILABLE.code;
      if (!(e instanceof AppError) || (e.status >= 500 && !unavailable)) throw e;
      const again: ErrorLink | undefined =
        e.code === vaultErrors.ERR_VAULT_WRONG_PERSON.code
          ? { href: `/logout?return_to=${encodeURIComponent(request.url.split('?')[0])}`, label: 'Sign in as the person it is for' }
          : undefined;
      return sendConnectRefusal(request, reply, e, again);
    }
  };
  /** PRG after the flow: to where the session said (a gateway path), else the Connections page, with a flash. */
  const finish = (request: FastifyRequest, reply: FastifyReply, returnTo: string | null, message: { ok?: string; error?: string }) => {
    const target = returnTo ? safeReturnTo(returnTo) : '/account/connections';
    flash.set(reply, binding(request), target.split('?')[0], message);
    return reply.redirect(target, 303);
  };

  /** The approval card of a session (with a key provider's fields, and why the values were refused). */
  const showApproval = async (request: FastifyRequest, reply: FastifyReply, row: VaultConnectSessionsTable, refused?: KeyValueError) => {
    const vault = vaultOf(ctx);
    const provider = vault.provider(row.provider);
    const server = row.api_key_id ? `apikey:${row.api_key_id}` : undefined;
    const existing = await vault.connection(row.user_id, row.provider);
    return renderPage(reply, {
      title: `Connect your ${provider.name} account`,
      request,
      focused: true,
      status: refused ? (refused.reason === 'unavailable' ? 503 : 400) : 200,
      body: (
        <ConnectApproval
          sessionId={row.id}
          serverName={server ? ((await serverNames(ctx.db, [server])).get(server) ?? null) : null}
          providerName={provider.name}
          scopes={requestedScopes(row.scopes, provider)}
          connectedAs={existing ? existing.account : undefined}
          account={await accountName(ctx.db, request.accountSession!)}
          csrfToken={request.csrfToken}
          keyFields={provider.kind === 'api_key' ? provider.fields : undefined}
          error={refused?.message}
        />
      ),
    });
  };

  app.get('/auth/connect/:id', { schema: { hide: true, params: idParams }, preHandler: page }, (request, reply) =>
    refusing(request, reply, async () => showApproval(request, reply, await approvable(request))),
  );

  app.post('/auth/connect/:id', { schema: { hide: true, params: idParams }, preHandler: [page, requireCsrf] }, (request, reply) =>
    refusing(request, reply, async () => {
      const row = await approvable(request);
      const body = (request.body ?? {}) as Record<string, unknown>;
      const decision = body.decision;
      const vault = vaultOf(ctx);
      const provider = vault.provider(row.provider);
      if (decision === 'approve' && provider.kind === 'api_key') {
        try {
          const { account } = await connectKey(vault, row.user_id, provider, body, { row, browserSessionId: binding(request) });
          const server = row.api_key_id ? `apikey:${row.api_key_id}` : null;
          const name = server ? (await serverNames(ctx.db, [server])).get(server) : undefined;
          const outcome = { provider: provider.id, providerName: provider.name, account, returnTo: row.return_to, server };
          return finish(request, reply, row.return_to, outcomeMessage(outcome, name));
        } catch (e) {
          if (e instanceof KeyValueError) return showApproval(request, reply, row, e);
          throw e;
        }
      }
      if (decision === 'approve') return reply.redirect(await beginUpstream(vault, row, binding(request)), 303);
      if (decision !== 'deny') throw new AppError(httpErrors.ERR_VALIDATION, 'Choose Approve or Deny.');
      await ctx.db.transaction().execute(async (trx) => {
        await trx
          .updateTable('vault_connect_sessions')
          .set({ status: 'error', error: 'access_denied', secret_sealed: null, completed_at: Date.now() })
          .where('id', '=', row.id)
          .where('status', 'in', ['pending', 'upstream'])
          .execute();
        await ctx.audit.record(trx, {
          action: 'vault.connect_refused',
          actor: { type: 'user', id: row.user_id },
          userId: row.user_id,
          target: { type: 'connect_session', id: row.id },
          ...requestMeta(request),
          detail: { provider: row.provider, reason: 'denied by the person' },
        });
      });
      return finish(request, reply, row.return_to, { ok: `You denied the use of your ${provider.name} account: nothing was connected.` });
    }),
  );

  // No requireUser: a callback without this browser's signed-in session is refused as another browser's.
  app.get('/auth/callback/:provider', { schema: { hide: true, params: providerParams } }, (request, reply) =>
    refusing(request, reply, async () => {
      const s = request.accountSession;
      const outcome = await finishConnect(
        vaultOf(ctx),
        (request.params as { provider: string }).provider,
        new URL(request.url, 'http://gateway.invalid').searchParams,
        s ? { sessionId: s.id, userId: s.userId } : undefined,
        requestMeta(request),
      );
      const server = outcome.server && !outcome.error ? (await serverNames(ctx.db, [outcome.server])).get(outcome.server) : undefined;
      return finish(request, reply, outcome.returnTo, outcomeMessage(outcome, server));
    }),
  );

  await connectionsRoutes(app, ctx);
}
