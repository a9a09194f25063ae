import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../kernel/index.js';
import { AppError } from '../errors/index.js';
import { scopesCallerMayGrant } from '../scopes/index.js';
import { tokensErrors } from './tokens-errors.js';
import { requireCsrf, requireUser, requestMeta } from '../accounts/index.js';
import { renderPage } from '../web/index.js';
import { ApiTokenService } from './api-token-service.js';
import { ApiTokensPage } from './api-tokens-page.js';

const security: Array<Record<string, string[]>> = [{ session: [] }, { bearer: [] }];
const tokenInfoSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    scopes: { type: 'array', items: { type: 'string' } },
    createdAt: { type: 'integer' },
    expiresAt: { type: ['integer', 'null'] },
    lastUsedAt: { type: ['integer', 'null'] },
    lastUsedIp: { type: ['string', 'null'] },
    revokedAt: { type: ['integer', 'null'] },
  },
} as const;

/**
 * Personal API tokens: JSON API under /api/v1/me/tokens (session or a bearer with `tokens.manage`) and the
 * /account/tokens page. A token never carries a scope its creator could not grant.
 */
export async function apiTokensRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const service = new ApiTokenService(ctx);
  const tags = ['tokens'];
  const read = requireUser(ctx, { scope: 'tokens.manage' });
  const write = [read, requireCsrf];
  const userOf = (r: FastifyRequest) => r.principal!.userId ?? '';

  app.get(
    '/api/v1/me/tokens',
    {
      preHandler: read,
      schema: {
        tags,
        summary: 'Your personal API tokens, newest first',
        security,
        response: { 200: { type: 'array', items: tokenInfoSchema } },
      },
    },
    async (request) => service.list(userOf(request)),
  );

  app.post(
    '/api/v1/me/tokens',
    {
      preHandler: write,
      schema: {
        tags,
        summary: 'Create a personal API token (the token is in this response only)',
        security,
        body: {
          type: 'object',
          properties: {
            name: { type: 'string' },
            scopes: { type: 'array', items: { type: 'string' } },
            expires_in_days: { type: ['integer', 'null'] },
          },
          required: ['name', 'scopes'],
        },
      },
    },
    async (request, reply) => {
      const body = request.body as { name: string; scopes: string[]; expires_in_days?: number | null };
      const { token, info } = await service.create(
        request.principal!,
        { name: body.name, scopes: body.scopes, expiresInDays: body.expires_in_days },
        requestMeta(request),
      );
      return reply
        .code(201)
        .header('cache-control', 'no-store')
        .send({ token, ...info });
    },
  );

  app.delete(
    '/api/v1/me/tokens/:id',
    {
      preHandler: write,
      schema: {
        tags,
        summary: 'Revoke one token: refused from its next use',
        security,
        params: { type: 'object', properties: { id: { type: 'string', maxLength: 64 } } },
      },
    },
    async (request, reply) => {
      const n = await service.revoke(userOf(request), (request.params as { id: string }).id, requestMeta(request));
      if (n === 0) throw new AppError(tokensErrors.ERR_TOKENS_NOT_FOUND);
      return reply.code(204).send();
    },
  );

  app.delete(
    '/api/v1/me/tokens',
    { preHandler: write, schema: { tags, summary: 'Revoke all your tokens', security } },
    async (request) => ({ revoked: await service.revoke(userOf(request), undefined, requestMeta(request)) }),
  );

  // ── the page ──
  const page = requireUser(ctx, { page: true });
  const show = async (
    request: FastifyRequest,
    reply: FastifyReply,
    extra: { created?: { name: string; token: string }; error?: string; ok?: string; status?: number } = {},
  ) => {
    const grantable = new Set(scopesCallerMayGrant(ctx.registries.scopes, request.principal!));
    return renderPage(reply, {
      title: 'API tokens',
      request,
      status: extra.status,
      body: (
        <ApiTokensPage
          tokens={await service.list(userOf(request))}
          scopes={ctx.registries.scopes.all().filter((s) => grantable.has(s.name))}
          defaultDays={ctx.config.apiTokenTtlDays}
          allowNoExpiry={ctx.config.apiTokenAllowNoExpiry}
          csrfToken={request.csrfToken}
          created={extra.created}
          error={extra.error}
          ok={extra.ok}
        />
      ),
    });
  };
  const hide = { schema: { hide: true } };
  app.get('/account/tokens', { ...hide, preHandler: page }, (request, reply) => show(request, reply));
  app.post('/account/tokens', { ...hide, preHandler: [page, requireCsrf] }, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    try {
      const { token, info } = await service.create(
        request.principal!,
        {
          name: body.name,
          scopes: Array.isArray(body.scopes) ? body.scopes : body.scopes ? [body.scopes] : [],
          expiresInDays: body.never_expires ? null : body.expires_in_days,
        },
        requestMeta(request),
      );
      return show(request, reply, { created: { name: info.name, token } });
    } catch (e) {
      if (e instanceof AppError && e.status < 500) return show(request, reply, { error: e.message, status: e.status });
      throw e;
    }
  });
  app.post('/account/tokens/:id/revoke', { ...hide, preHandler: [page, requireCsrf] }, async (request, reply) => {
    const n = await service.revoke(userOf(request), (request.params as { id: string }).id, requestMeta(request));
    return show(request, reply, n ? { ok: 'Token revoked.' } : { error: 'No such live token.', status: 404 });
  });
  app.post('/account/tokens/revoke-all', { ...hide, preHandler: [page, requireCsrf] }, async (request, reply) => {
    const n = await service.revoke(userOf(request), undefined, requestMeta(request));
    return show(request, reply, { ok: `${n} token${n === 1 ? '' : 's'} revoked.` });
  });
}
