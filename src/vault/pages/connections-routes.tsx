import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../kernel/index.js';
import { requireCsrf, requireUser } from '../../accounts/index.js';
import { AppError } from '../../errors/index.js';
import { ConfirmStep, CsrfField, oneTimeFlash, renderPage, type FlashMessage } from '../../web/index.js';
import { KeyValueError, type KeyProvider, type Provider } from '../providers/index.js';
import { vaultErrors } from '../vault-errors.js';
import { vaultOf } from '../vault-of.js';
import { beginUpstream } from '../connect/begin-upstream.js';
import { connectKey } from '../connect/connect-key.js';
import { createConnectSession, findConnectSession } from '../connect/connect-sessions.js';
import { ConnectionsPage } from './connections-page.js';
import { KeyForm } from './key-form.js';
import { listConnections } from './list-connections.js';
import { serverNames } from './server-names.js';

const LIST = '/account/connections';
const providerParams = { type: 'object', properties: { provider: { type: 'string', maxLength: 200 } } };
const serverParams = {
  type: 'object',
  properties: { provider: { type: 'string', maxLength: 200 }, server: { type: 'string', maxLength: 2100 } },
};
const enc = encodeURIComponent;

/**
 * The Connections page (`/account/connections`): the person's connected upstream accounts, "Connect an account"
 * (OAuth: a connect session of their own, straight upstream; key providers: a form, verified, sealed, never shown
 * again), Disconnect (confirmed; revokes upstream where the provider supports RFC 7009) and taking back a server's
 * allowance (confirmed). Every form posts and redirects back with a flash (PRG).
 */
export async function connectionsRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const page = requireUser(ctx, { page: true });
  const pageRead = { schema: { hide: true, params: providerParams }, preHandler: page };
  const pageWrite = { schema: { hide: true, params: providerParams }, preHandler: [page, requireCsrf] };
  const flash = oneTimeFlash(ctx);
  const binding = (r: FastifyRequest) => r.accountSession?.id ?? '';
  const userOf = (r: FastifyRequest) => r.principal!.userId!;
  const providerOf = (r: FastifyRequest): Provider => vaultOf(ctx).provider((r.params as { provider: string }).provider);
  const connectionOf = async (r: FastifyRequest) => {
    const id = (r.params as { provider: string }).provider;
    const row = await vaultOf(ctx).connection(userOf(r), id);
    if (!row) throw new AppError(vaultErrors.ERR_VAULT_NOT_CONNECTED, 'You have no connection of this provider.');
    return row;
  };
  /** A provider's name; a connection whose provider is no longer configured keeps its id. */
  const nameOf = (id: string) => vaultOf(ctx).providers.find((p) => p.id === id)?.name ?? id;
  const back = (request: FastifyRequest, reply: FastifyReply, message: FlashMessage) => {
    flash.set(reply, binding(request), LIST, message);
    return reply.redirect(LIST, 303);
  };
  const keyForm = async (
    request: FastifyRequest,
    reply: FastifyReply,
    p: KeyProvider,
    refused?: KeyValueError,
    kept?: Record<string, string>,
  ) =>
    renderPage(reply, {
      title: `Connect ${p.name}`,
      request,
      status: refused ? (refused.reason === 'unavailable' ? 503 : 400) : 200,
      body: (
        <KeyForm
          provider={p}
          error={refused?.message}
          kept={kept}
          replacing={!!(await vaultOf(ctx).connection(userOf(request), p.id))}
          csrfToken={request.csrfToken}
        />
      ),
    });

  app.get(LIST, { schema: { hide: true }, preHandler: page }, async (request, reply) => {
    const vault = vaultOf(ctx);
    const { connections, notConnected } = await listConnections(vault, userOf(request));
    return renderPage(reply, {
      title: 'Connections',
      request,
      body: (
        <ConnectionsPage
          connections={connections}
          notConnected={notConnected}
          configured={vault.providers.length > 0}
          csrfToken={request.csrfToken}
          flash={flash.take(request, reply, binding(request))}
          tee={ctx.tee}
          publicUrl={ctx.config.publicUrl}
        />
      ),
    });
  });

  // GET: a key provider's form, or one button that goes to the OAuth provider (the form's POST below).
  app.get('/account/connections/:provider/connect', pageRead, async (request, reply) => {
    const p = providerOf(request);
    if (p.kind === 'api_key') return keyForm(request, reply, p);
    return renderPage(reply, {
      title: `Connect ${p.name}`,
      request,
      body: (
        <form method="post" action={`/account/connections/${enc(p.id)}/connect`} class="row-actions">
          <CsrfField token={request.csrfToken} />
          <p>You sign in at {p.name} and agree there, then come back here.</p>
          <button type="submit" data-testid="connect-provider" data-provider={p.id}>
            Continue to {p.name}
          </button>
        </form>
      ),
    });
  });

  app.post('/account/connections/:provider/connect', pageWrite, async (request, reply) => {
    const vault = vaultOf(ctx);
    const p = providerOf(request);
    const userId = userOf(request);
    if (p.kind === 'api_key') {
      const entered = (request.body ?? {}) as Record<string, unknown>;
      try {
        const { account } = await connectKey(vault, userId, p, entered);
        return back(request, reply, {
          ok: `Connected ${p.name}${account ? ` as ${account}` : ''}. The key is sealed and will not be shown again.`,
        });
      } catch (e) {
        if (!(e instanceof KeyValueError)) throw e;
        const kept = Object.fromEntries(
          p.fields.filter((f) => !f.secret && typeof entered[f.name] === 'string').map((f) => [f.name, String(entered[f.name])]),
        );
        return keyForm(request, reply, p, e, kept);
      }
    }
    // Connecting again asks for what the connection has now (a server may have asked for more than the defaults).
    const existing = await vault.connection(userId, p.id);
    const s = await createConnectSession(ctx, {
      userId,
      provider: p.id,
      scopes: existing ? existing.scopes.split(/\s+/).filter(Boolean) : [],
      apiKeyId: null,
      returnTo: LIST,
    });
    const row = (await findConnectSession(ctx.db, s.id))!;
    try {
      return reply.redirect(await beginUpstream(vault, row, binding(request)), 303);
    } catch (e) {
      if (e instanceof AppError && e.code === vaultErrors.ERR_VAULT_UPSTREAM_UNAVAILABLE.code)
        return back(request, reply, { error: e.message });
      throw e;
    }
  });

  app.get('/account/connections/:provider/disconnect', pageRead, async (request, reply) => {
    const row = await connectionOf(request);
    const vault = vaultOf(ctx);
    const name = nameOf(row.provider);
    const servers = (await vault.allowances(userOf(request))).filter((a) => a.provider === row.provider).map((a) => a.server);
    const names = [...(await serverNames(ctx.db, servers)).values()];
    return renderPage(reply, {
      title: `Disconnect ${name}?`,
      request,
      body: (
        <ConfirmStep
          action={`/account/connections/${enc(row.provider)}/disconnect`}
          csrfToken={request.csrfToken}
          consequences={[
            names.length
              ? `${names.join(', ')} can no longer get tokens of this account: what they do with it stops working.`
              : 'No server can get tokens of this account any more.',
            `The gateway asks ${name} to revoke its access, where ${name} supports it, and forgets the stored credential of ${row.account ?? `your ${name} account`}.`,
            'To use it again you connect it again (and allow each server again).',
          ]}
          confirmLabel="Disconnect"
          cancelHref={LIST}
        />
      ),
    });
  });

  app.post('/account/connections/:provider/disconnect', pageWrite, async (request, reply) => {
    const row = await connectionOf(request);
    const userId = userOf(request);
    const vault = vaultOf(ctx);
    const name = nameOf(row.provider);
    const done = await vault.disconnect(userId, row.provider, { type: 'user', id: userId });
    const upstream = done?.revokedUpstream ? ` ${name} has revoked the access too.` : '';
    return back(request, reply, {
      ok: `Disconnected ${name}${row.account ? ` (${row.account})` : ''}. No server can get its tokens now.${upstream}`,
    });
  });

  const allowanceOf = async (request: FastifyRequest) => {
    const row = await connectionOf(request);
    const server = (request.params as { server: string }).server;
    const allowed = (await vaultOf(ctx).allowances(userOf(request))).some((a) => a.provider === row.provider && a.server === server);
    if (!allowed) throw new AppError(vaultErrors.ERR_VAULT_NOT_ALLOWED, 'That server is not allowed to use this connection.');
    const name = (await serverNames(ctx.db, [server])).get(server) ?? server;
    const providerName = nameOf(row.provider);
    return { row, server, name, providerName };
  };

  const serverRoute = '/account/connections/:provider/servers/:server/revoke';
  app.get(serverRoute, { schema: { hide: true, params: serverParams }, preHandler: page }, async (request, reply) => {
    const a = await allowanceOf(request);
    return renderPage(reply, {
      title: `Stop ${a.name} using your ${a.providerName} account?`,
      request,
      body: (
        <ConfirmStep
          action={`/account/connections/${enc(a.row.provider)}/servers/${enc(a.server)}/revoke`}
          csrfToken={request.csrfToken}
          consequences={[
            `${a.name} can no longer get tokens of your ${a.providerName} account${a.row.account ? ` (${a.row.account})` : ''}.`,
            'The account stays connected; other servers you allowed keep their access.',
            `If ${a.name} asks again, you decide again.`,
          ]}
          confirmLabel="Revoke access"
          cancelHref={LIST}
        />
      ),
    });
  });
  app.post(serverRoute, { schema: { hide: true, params: serverParams }, preHandler: [page, requireCsrf] }, async (request, reply) => {
    const a = await allowanceOf(request);
    await vaultOf(ctx).disallow(userOf(request), a.row.provider, a.server);
    return back(request, reply, { ok: `${a.name} can no longer use your ${a.providerName} account.` });
  });
}
