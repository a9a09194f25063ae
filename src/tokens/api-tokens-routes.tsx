import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../kernel/index.js';
import { AppError } from '../errors/index.js';
import { scopesCallerMayGrant, SIGN_IN_ONLY_SCOPES } from '../scopes/index.js';
import { tokensErrors } from './tokens-errors.js';
import { requireCsrf, requireUser, requestMeta } from '../accounts/index.js';
import { ConfirmStep, oneTimeFlash, renderPage, type FlashMessage } from '../web/index.js';
import { ApiTokenService } from './api-token-service.js';
import { ApiTokensPage, type ApiTokensPageProps } from './api-tokens-page.js';
import { expiryDays } from './expiry-days.js';
import { policyFromGrantForm, policyKeysFor, proxyOf } from '../proxy/index.js';

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
            policy: { type: 'object', description: 'the proxy policy of this token (see POST /delegate)' },
          },
          required: ['name', 'scopes'],
        },
      },
    },
    async (request, reply) => {
      const body = request.body as { name: string; scopes: string[]; expires_in_days?: number | null; policy?: unknown };
      const { token, info } = await service.create(
        request.principal!,
        { name: body.name, scopes: body.scopes, expiresInDays: body.expires_in_days, policy: body.policy },
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

  // ── the page: every form posts, then redirects (303) to the list, which shows the outcome once ──
  const page = requireUser(ctx, { page: true });
  const flash = oneTimeFlash(ctx);
  const binding = (r: FastifyRequest) => r.accountSession?.id ?? '';
  const hide = { schema: { hide: true } };
  const pageForm = { ...hide, preHandler: [page, requireCsrf] };
  const done = (request: FastifyRequest, reply: FastifyReply, message: FlashMessage) => {
    flash.set(reply, binding(request), '/account/tokens', message);
    return reply.redirect('/account/tokens', 303);
  };
  const show = async (
    request: FastifyRequest,
    reply: FastifyReply,
    refused?: { error: string; status: number; values: ApiTokensPageProps['values'] },
  ) => {
    const grantable = new Set(scopesCallerMayGrant(ctx.registries.scopes, request.principal!));
    return renderPage(reply, {
      title: 'API tokens',
      request,
      status: refused?.status,
      body: (
        <ApiTokensPage
          tokens={await service.list(userOf(request))}
          scopes={ctx.registries.scopes.all().filter((s) => grantable.has(s.name) && !SIGN_IN_ONLY_SCOPES.has(s.name))}
          defaultDays={ctx.config.apiTokenTtlDays}
          allowNoExpiry={ctx.config.apiTokenAllowNoExpiry}
          csrfToken={request.csrfToken}
          flash={refused ? { error: refused.error } : flash.take(request, reply, binding(request))}
          values={refused?.values}
          policyKeys={policyKeysFor(proxyOf(ctx), [...grantable])}
        />
      ),
    });
  };
  app.get('/account/tokens', { ...hide, preHandler: page }, (request, reply) => show(request, reply));
  app.post('/account/tokens', pageForm, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const scopes = (Array.isArray(body.scopes) ? body.scopes : body.scopes ? [body.scopes] : []) as unknown[];
    try {
      const { token, info } = await service.create(
        request.principal!,
        {
          name: body.name,
          scopes,
          expiresInDays: body.never_expires ? null : expiryDays(body.expires_in_days, body.expires_on),
          // The limits of the actions of the scopes chosen (400 naming a limit on an action of a scope not chosen).
          policy: policyFromGrantForm(
            proxyOf(ctx),
            body,
            scopes.filter((x): x is string => typeof x === 'string'),
          ),
        },
        requestMeta(request),
      );
      return done(request, reply, {
        ok: `Token ${info.name} created.`,
        secret: { label: `Token ${info.name}.`, values: [['token', token]] },
      });
    } catch (e) {
      if (!(e instanceof AppError) || e.status >= 500) throw e;
      const values = {
        name: typeof body.name === 'string' ? body.name : '',
        scopes: scopes.filter((x): x is string => typeof x === 'string'),
        policy: Object.fromEntries(Object.entries(body).filter(([k]) => k.startsWith('policy_'))),
      };
      return show(request, reply, { error: e.message, status: e.status, values });
    }
  });

  const tokenOf = async (request: FastifyRequest) => {
    const id = (request.params as { id: string }).id;
    const token = (await service.list(userOf(request))).find((t) => t.id === id && t.revokedAt === null);
    if (!token) throw new AppError(tokensErrors.ERR_TOKENS_NOT_FOUND);
    return token;
  };
  app.get('/account/tokens/:id/revoke', { ...hide, preHandler: page }, async (request, reply) => {
    const t = await tokenOf(request);
    return renderPage(reply, {
      title: `Revoke the token ${t.name}?`,
      request,
      body: (
        <ConfirmStep
          action={`/account/tokens/${encodeURIComponent(t.id)}/revoke`}
          csrfToken={request.csrfToken}
          consequences={[
            `Anything that uses ${t.name} (a script, a tool, a server) is refused from its next request.`,
            'Tokens and agents created with it keep working until you revoke them too.',
            'This cannot be undone: you would create a new token.',
          ]}
          confirmLabel="Revoke token"
          cancelHref="/account/tokens"
        />
      ),
    });
  });
  app.post('/account/tokens/:id/revoke', pageForm, async (request, reply) => {
    const t = await tokenOf(request);
    await service.revoke(userOf(request), t.id, requestMeta(request));
    return done(request, reply, { ok: `Token ${t.name} revoked: it is refused from now on.` });
  });
  app.get('/account/tokens/revoke-all', { ...hide, preHandler: page }, async (request, reply) => {
    const live = (await service.list(userOf(request))).filter((t) => t.revokedAt === null);
    if (live.length === 0) return done(request, reply, { error: 'You have no live tokens to revoke.' });
    return renderPage(reply, {
      title: `Revoke all ${live.length} tokens?`,
      request,
      body: (
        <ConfirmStep
          action="/account/tokens/revoke-all"
          csrfToken={request.csrfToken}
          consequences={[
            `Everything that uses one of them is refused from its next request: ${live.map((t) => t.name).join(', ')}.`,
            'Your browser sessions, agents and authorized apps are not affected.',
          ]}
          confirmLabel={`Revoke all ${live.length} tokens`}
          cancelHref="/account/tokens"
        />
      ),
    });
  });
  app.post('/account/tokens/revoke-all', pageForm, async (request, reply) => {
    const n = await service.revoke(userOf(request), undefined, requestMeta(request));
    return done(request, reply, { ok: `${n} token${n === 1 ? '' : 's'} revoked.` });
  });
}
