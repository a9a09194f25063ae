import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../server/context.js';
import { AppError } from '../errors/index.js';
import { requireUser } from './require-user.js';
import { getUser } from './users.js';
import { userSchema } from './api-schemas.js';

/** JSON API for scripts: /api/v1/me (profile). */
export async function meApi(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const auth = requireUser(ctx, { scope: 'profile' });
  app.get('/api/v1/me', {
    preHandler: auth,
    schema: { tags: ['account'], summary: 'Your account and profile', security: [{ session: [] }, { bearer: [] }], response: { 200: userSchema } },
  }, async (request) => {
    const user = await getUser(ctx.db, request.principal!.userId ?? '');
    if (!user) throw new AppError('ERR_NOT_FOUND', 'No account for this token.');
    return user;
  });
}
