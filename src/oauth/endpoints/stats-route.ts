import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../kernel/index.js';

/** GET /oauth/stats: counts only (clients, active codes, access and refresh tokens), as the seed's monitoring did. */
export async function statsRoute(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get('/oauth/stats', { config: { operational: true } }, async (_req, reply) => {
    const now = Date.now();
    const count = async (q: { executeTakeFirstOrThrow(): Promise<{ n: number | string | bigint }> }) =>
      Number((await q.executeTakeFirstOrThrow()).n);
    const [clients, codes, access, refresh] = await Promise.all([
      count(ctx.db.selectFrom('oauth_clients').select((eb) => eb.fn.countAll().as('n'))),
      count(
        ctx.db
          .selectFrom('oauth_codes')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('used_at', 'is', null)
          .where('expires_at', '>', now),
      ),
      count(
        ctx.db
          .selectFrom('access_tokens')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('expires_at', '>', now),
      ),
      count(
        ctx.db
          .selectFrom('oauth_refresh_tokens as r')
          .innerJoin('oauth_families as f', 'f.id', 'r.family_id')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('r.used_at', 'is', null)
          .where('r.expires_at', '>', now)
          .where('f.revoked_at', 'is', null),
      ),
    ]);
    return reply.header('cache-control', 'no-store').send({
      issuer_url: ctx.config.publicUrl,
      valid_scopes: ctx.config.oauthValidScopes.length ? ctx.config.oauthValidScopes : ctx.registries.scopes.all().map((s) => s.name),
      default_scopes: ctx.config.oauthDefaultScopes,
      clients,
      authorization_codes: codes,
      access_tokens: access,
      refresh_tokens: refresh,
    });
  });
}
