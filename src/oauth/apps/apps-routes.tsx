import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../kernel/index.js';
import { requireCsrf, requireUser } from '../../accounts/index.js';
import { renderPage } from '../../web/index.js';
import { AppError, httpErrors } from '../../errors/index.js';
import { oauthErrors } from '../oauth-errors.js';
import { listGrants } from './list-grants.js';
import { revokeGrant } from './revoke-grant.js';

const when = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';

/**
 * "Authorized apps": GET /account/apps lists each grant (client, scopes, resource, first and last use);
 * POST /account/apps/:grantId/revoke revokes the grant and every token of it. JSON at GET /api/v1/me/apps.
 */
export async function appsRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get('/account/apps', { schema: { hide: true }, preHandler: requireUser(ctx, { page: true }) }, async (request, reply) => {
    const apps = await listGrants(ctx.db, request.principal!.userId!);
    return renderPage(reply, {
      title: 'Authorized apps',
      request,
      body:
        apps.length === 0 ? (
          <p data-testid="no-apps">No app has access to your account.</p>
        ) : (
          <table data-testid="apps">
            <thead>
              <tr>
                <th>App</th>
                <th>Scopes</th>
                <th>Resource</th>
                <th>First use</th>
                <th>Last use</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {apps.map((a) => (
                <tr data-testid="app-row" data-grant={a.grantId}>
                  <td>{a.clientName}</td>
                  <td>{a.scopes.join(' ') || '—'}</td>
                  <td>
                    {a.resources.map((r) => (
                      <code>{r}</code>
                    ))}
                  </td>
                  <td>{when(a.firstUsedAt)}</td>
                  <td>{when(a.lastUsedAt)}</td>
                  <td>
                    <form method="post" action={`/account/apps/${encodeURIComponent(a.grantId)}/revoke`}>
                      <input type="hidden" name="_csrf" value={request.csrfToken} />
                      <button type="submit" class="secondary" data-testid="revoke-app">
                        Revoke
                      </button>
                    </form>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
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

  app.post(
    '/account/apps/:grantId/revoke',
    { schema: { hide: true }, preHandler: [requireUser(ctx, { page: true }), requireCsrf] },
    async (request, reply) => {
      const { grantId } = request.params as { grantId: string };
      const ok = await revokeGrant(ctx, {
        userId: request.principal!.userId!,
        grantId,
        ip: request.ip,
        userAgent: request.headers['user-agent'],
      });
      if (!ok) throw new AppError(oauthErrors.ERR_OAUTH_APP_NOT_FOUND);
      return reply.redirect('/account/apps', 303);
    },
  );
}
