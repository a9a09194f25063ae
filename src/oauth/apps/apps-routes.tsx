import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext, GrantFormPart } from '../../kernel/index.js';
import { requireCsrf, requireUser } from '../../accounts/index.js';
import { ConfirmStep, CsrfField, Flash, oneTimeFlash, renderPage } from '../../web/index.js';
import { AppsPage } from './apps-page.js';
import { AppError, httpErrors } from '../../errors/index.js';
import { oauthErrors } from '../oauth-errors.js';
import { listGrants, type AuthorizedApp } from './list-grants.js';
import { revokeGrant } from './revoke-grant.js';

/**
 * "Authorized apps": GET /account/apps lists each grant (client, scopes, resource, first and last use);
 * GET /account/apps/:grantId/revoke asks, and its POST revokes the grant and every token of it, then redirects
 * back with what it did. JSON at GET /api/v1/me/apps.
 */
export async function appsRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const page = requireUser(ctx, { page: true });
  const flash = oneTimeFlash(ctx);
  const binding = (r: FastifyRequest) => r.accountSession?.id ?? '';
  const describe = (s: string) => ctx.registries.scopes.get(s)?.description ?? s;
  const grantOf = async (request: FastifyRequest) => {
    const { grantId } = request.params as { grantId: string };
    const grant = (await listGrants(ctx.db, request.principal!.userId!)).find((a) => a.grantId === grantId);
    if (!grant) throw new AppError(oauthErrors.ERR_OAUTH_APP_NOT_FOUND);
    return grant;
  };

  /** The form parts (the proxy's limits) that apply to a grant of these scopes. */
  const partsFor = (scopes: readonly string[]) => ctx.registries.grantFormParts.all().filter((p) => p.applies(scopes));
  /** Each grant's limits in words, for the grants some part applies to. */
  const limitsOf = async (apps: readonly AuthorizedApp[]) => {
    const out = new Map<string, string[]>();
    for (const part of ctx.registries.grantFormParts.all()) {
      const ids = apps.filter((a) => part.applies(a.scopes)).map((a) => a.grantId);
      const words = await part.describe(ids);
      for (const id of ids) out.set(id, [...(out.get(id) ?? []), ...(words.get(id) ?? [])]);
    }
    return out;
  };

  app.get('/account/apps', { schema: { hide: true }, preHandler: page }, async (request, reply) => {
    const apps = await listGrants(ctx.db, request.principal!.userId!);
    return renderPage(reply, {
      title: 'Authorized apps',
      request,
      body: <AppsPage apps={apps} describe={describe} limits={await limitsOf(apps)} flash={flash.take(request, reply, binding(request))} />,
    });
  });

  /** The limits form of one grant: the stored values, or a refused form's as sent with the message why (status 400). */
  const limitsForm = (
    request: FastifyRequest,
    reply: FastifyReply,
    grant: AuthorizedApp,
    parts: readonly GrantFormPart[],
    shown: { values: unknown[] } | { refused: string; status: number; form: Record<string, unknown> },
  ) =>
    renderPage(reply, {
      title: `Limits of ${grant.clientName}`,
      request,
      ...('refused' in shown ? { status: shown.status } : {}),
      body: (
        <form method="post" action={`/account/apps/${encodeURIComponent(grant.grantId)}/limits`} data-testid="app-limits-form">
          <CsrfField token={request.csrfToken} />
          {'refused' in shown && <Flash kind="error" message={`Nothing was saved: ${shown.refused}`} />}
          <p class="muted">Empty fields set no limit. Limits apply to every token of this app's access, from its next call.</p>
          {parts.map((p, i) =>
            'refused' in shown ? p.render(grant.scopes, undefined, shown.form) : p.render(grant.scopes, shown.values[i]),
          )}
          <div class="grid">
            <button type="submit" data-testid="app-limits-submit">
              Save limits
            </button>
            <a href="/account/apps" role="button" class="secondary">
              Cancel
            </a>
          </div>
        </form>
      ),
    });

  // Limits of one grant (POST/Redirect/GET): only the person's own live grant (404 otherwise), only parts that apply.
  app.get('/account/apps/:grantId/limits', { schema: { hide: true }, preHandler: page }, async (request, reply) => {
    const grant = await grantOf(request);
    const parts = partsFor(grant.scopes);
    if (!parts.length) throw new AppError(oauthErrors.ERR_OAUTH_APP_NOT_FOUND);
    return limitsForm(request, reply, grant, parts, { values: await Promise.all(parts.map((p) => p.load(grant.grantId))) });
  });
  app.post('/account/apps/:grantId/limits', { schema: { hide: true }, preHandler: [page, requireCsrf] }, async (request, reply) => {
    const grant = await grantOf(request);
    const parts = partsFor(grant.scopes);
    if (!parts.length) throw new AppError(oauthErrors.ERR_OAUTH_APP_NOT_FOUND);
    const form = (request.body ?? {}) as Record<string, unknown>;
    let values: unknown[];
    try {
      values = parts.map((p) => p.parse(form, grant.scopes)); // 400 naming what is wrong, before anything is written
    } catch (e) {
      // Refused: the form again, as typed, with the message (not the error page)
      if (!(e instanceof AppError) || e.status >= 500) throw e;
      return limitsForm(request, reply, grant, parts, { refused: e.message, status: e.status, form });
    }
    await ctx.db.transaction().execute(async (trx) => {
      for (const [i, p] of parts.entries()) await p.store(trx, grant.grantId, values[i]);
    });
    flash.set(reply, binding(request), '/account/apps', { ok: `Limits of ${grant.clientName} saved: they apply from the next call.` });
    return reply.redirect('/account/apps', 303);
  });

  app.get('/account/apps/:grantId/revoke', { schema: { hide: true }, preHandler: page }, async (request, reply) => {
    const grant = await grantOf(request);
    return renderPage(reply, {
      title: `Remove the access of ${grant.clientName}?`,
      request,
      body: (
        <ConfirmStep
          action={`/account/apps/${encodeURIComponent(grant.grantId)}/revoke`}
          csrfToken={request.csrfToken}
          consequences={[
            `${grant.clientName} can no longer ${grant.scopes.length ? grant.scopes.map(describe).join('; ').toLowerCase() : 'use your account'}.`,
            'Its access and refresh tokens stop working at once; it would have to ask you again.',
          ]}
          confirmLabel="Remove access"
          cancelHref="/account/apps"
        />
      ),
    });
  });

  app.get(
    '/api/v1/me/apps',
    {
      preHandler: requireUser(ctx, { scope: 'profile' }),
      schema: { tags: ['authorized apps'], summary: 'Apps you authorized (consent grants): client, scopes, resource, first and last use' },
    },
    async (request) => {
      if (!request.principal!.userId) throw new AppError(httpErrors.ERR_FORBIDDEN, 'Only a person has authorized apps.');
      return { apps: await listGrants(ctx.db, request.principal!.userId) };
    },
  );

  app.post('/account/apps/:grantId/revoke', { schema: { hide: true }, preHandler: [page, requireCsrf] }, async (request, reply) => {
    const grant = await grantOf(request);
    const ok = await revokeGrant(ctx, {
      userId: request.principal!.userId!,
      grantId: grant.grantId,
      ip: request.ip,
      userAgent: request.headers['user-agent'],
    });
    if (!ok) throw new AppError(oauthErrors.ERR_OAUTH_APP_NOT_FOUND);
    flash.set(reply, binding(request), '/account/apps', { ok: `${grant.clientName} no longer has access to your account.` });
    return reply.redirect('/account/apps', 303);
  });
}
