import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../server/context.js';
import { renderPage } from '../web/index.js';
import { requireUser } from './require-user.js';
import { getUser } from './users.js';

/** The account pages: profile, passkeys, sessions, access log. */
export async function accountPages(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const page = { schema: { hide: true }, preHandler: requireUser(ctx, { page: true }) };
  app.get('/account', page, async (request, reply) => {
    const user = (await getUser(ctx.db, request.principal!.userId!))!;
    return renderPage(reply, { title: 'Your account', request, body: <p>Account <code data-testid="user-id">{user.id}</code></p> });
  });
}
