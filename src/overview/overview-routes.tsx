import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../kernel/index.js';
import { listPasskeys, listSessions, requireUser } from '../accounts/index.js';
import { listEvents } from '../audit/index.js';
import { ApiTokenService } from '../tokens/index.js';
import { listAgents } from '../agents/index.js';
import { listGrants } from '../oauth/index.js';
import { renderPage } from '../web/index.js';
import { LandingPage } from './landing-page.js';
import { OverviewPage, type OverviewData } from './overview-page.js';

const SOON_MS = 14 * 86_400_000;

/** `/`: the landing page for visitors, the overview for a signed-in person; `/account/overview`: the overview. */
export async function overviewRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const tokens = new ApiTokenService(ctx);
  const hide = { schema: { hide: true } };

  async function overview(request: FastifyRequest): Promise<OverviewData> {
    const userId = request.principal!.userId!;
    const now = Date.now();
    const [passkeys, sessions, tokenList, agents, apps, log] = await Promise.all([
      listPasskeys(ctx.db, userId),
      listSessions(ctx.db, userId),
      tokens.list(userId),
      listAgents(ctx, userId),
      listGrants(ctx.db, userId),
      listEvents(ctx.db, ctx.registries.eventTypes, { userId, limit: 5 }),
    ]);
    const live = tokenList.filter((t) => t.revokedAt === null && (t.expiresAt === null || t.expiresAt > now));
    return {
      passkeys,
      sessions: sessions.length,
      liveTokens: live.length,
      expiringTokens: live.flatMap((t) =>
        t.expiresAt !== null && t.expiresAt - now < SOON_MS ? [{ name: t.name, expiresAt: t.expiresAt }] : [],
      ),
      agents: agents.length,
      activeAgents: agents.filter((a) => a.active).map((a) => ({ name: a.name, lastUsedAt: a.lastUsedAt })),
      apps: apps.map((a) => ({ name: a.clientName, lastUsedAt: a.lastUsedAt })),
      events: log.events,
    };
  }

  app.get('/', hide, async (request, reply) => {
    if (request.accountSession) return reply.redirect('/account/overview', 302);
    return renderPage(reply, { title: 'Hand AI agents exactly the access they need', request, body: <LandingPage /> });
  });
  app.get('/account/overview', { ...hide, preHandler: requireUser(ctx, { page: true }) }, async (request, reply) =>
    renderPage(reply, { title: 'Overview', request, body: <OverviewPage d={await overview(request)} /> }),
  );
}
