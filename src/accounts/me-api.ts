import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../kernel/index.js';
import { listEvents } from '../audit/index.js';
import { AppError } from '../errors/index.js';
import { accountsErrors } from './accounts-errors.js';
import { requireApiUser } from './require-user.js';
import { requireCsrf } from './csrf.js';
import { getUser } from './users.js';
import { updateProfile } from './profile.js';
import { requestMeta } from './request-meta.js';
import { eventSchema, userSchema, security, ID_PATTERN } from './api-schemas.js';

const nullableString = { type: ['string', 'null'] } as const;

/** JSON API for scripts: /api/v1/me (profile read and update) and /api/v1/me/events (access log). */
export async function meApi(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const read = requireApiUser(ctx, 'profile');
  app.get(
    '/api/v1/me',
    {
      preHandler: read,
      schema: { tags: ['account'], summary: 'Your account and profile', security, response: { 200: userSchema } },
    },
    async (request) => {
      const user = await getUser(ctx.db, request.principal!.userId ?? '');
      if (!user) throw new AppError(accountsErrors.ERR_ACCOUNTS_NOT_FOUND, 'No account for this token.');
      return user;
    },
  );

  app.patch(
    '/api/v1/me',
    {
      preHandler: [requireApiUser(ctx, 'profile.write'), requireCsrf],
      schema: {
        tags: ['account'],
        summary: 'Change your profile (only the fields sent; null or "" clears one)',
        security,
        body: {
          type: 'object',
          description: 'Unknown fields are refused (400).',
          properties: {
            username: nullableString,
            email: nullableString,
            phone: { ...nullableString, description: 'E.164, e.g. +14155550123' },
            wallet: { ...nullableString, description: 'EVM address, EIP-55 checked when mixed case' },
          },
        },
        response: { 200: userSchema },
      },
    },
    async (request) =>
      updateProfile(ctx, {
        userId: request.principal!.userId ?? '',
        changes: request.body as Record<string, unknown>,
        meta: requestMeta(request),
      }),
  );

  app.get(
    '/api/v1/me/events',
    {
      preHandler: read,
      schema: {
        tags: ['account'],
        summary: 'Your access log, newest first (page with `before` = the previous `next`)',
        security,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            kind: { type: 'string', maxLength: 32 },
            before: { type: 'string', maxLength: 64, pattern: ID_PATTERN },
            limit: { type: 'integer', minimum: 1, maximum: 200 },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: { events: { type: 'array', items: eventSchema }, next: { type: 'string' } },
            required: ['events'],
          },
        },
      },
    },
    async (request) => {
      const q = request.query as { kind?: string; before?: string; limit?: number };
      return listEvents(ctx.db, ctx.registries.eventTypes, { userId: request.principal!.userId ?? '', ...q });
    },
  );
}
