import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../kernel/index.js';
import { AppError } from '../errors/index.js';
import { accountsErrors } from './accounts-errors.js';
import { requireApiUser } from './require-user.js';
import { requireCsrf } from './csrf.js';
import { listSessions, revokeSessions } from './sessions.js';
import { requestMeta } from './request-meta.js';
import { sessionSchema, security, ID_PATTERN } from './api-schemas.js';

/** The session the request itself uses (none for a bearer other than a session JWT). */
export const currentSessionId = (r: FastifyRequest) => (r.principal?.kind === 'session' ? r.principal.tokenId : undefined);

/** /api/v1/me/sessions: list (this one marked), revoke one, revoke all others ("log out other devices"). */
export async function sessionsApi(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const tags = ['sessions'];
  const write = [requireApiUser(ctx, 'profile.write'), requireCsrf];
  app.get(
    '/api/v1/me/sessions',
    {
      preHandler: requireApiUser(ctx, 'profile'),
      schema: { tags, summary: 'Your live sessions, newest first', security, response: { 200: { type: 'array', items: sessionSchema } } },
    },
    async (request) => {
      const current = currentSessionId(request);
      return (await listSessions(ctx.db, request.principal!.userId ?? '')).map((s) => ({ ...s, current: s.id === current }));
    },
  );

  app.delete(
    '/api/v1/me/sessions/:id',
    {
      preHandler: write,
      schema: {
        tags,
        summary: 'Revoke a session: refused from its very next request',
        security,
        params: { type: 'object', properties: { id: { type: 'string', maxLength: 64, pattern: ID_PATTERN } }, required: ['id'] },
        response: { 204: { type: 'null' } },
      },
    },
    async (request, reply) => {
      const id = (request.params as { id: string }).id;
      const done = await revokeSessions(ctx, {
        userId: request.principal!.userId ?? '',
        ids: [id],
        reason: 'revoked by you',
        meta: requestMeta(request),
      });
      if (done.length === 0) throw new AppError(accountsErrors.ERR_ACCOUNTS_SESSION_NOT_FOUND);
      return reply.code(204).send();
    },
  );

  app.post(
    '/api/v1/me/sessions/revoke-others',
    {
      preHandler: write,
      schema: {
        tags,
        summary: 'Log out other devices: revoke every session but this one',
        security,
        response: { 200: { type: 'object', properties: { revoked: { type: 'array', items: { type: 'string' } } }, required: ['revoked'] } },
      },
    },
    async (request) => ({
      revoked: await revokeSessions(ctx, {
        userId: request.principal!.userId ?? '',
        ids: 'others',
        keep: currentSessionId(request),
        reason: 'logged out from another device',
        meta: requestMeta(request),
      }),
    }),
  );
}
