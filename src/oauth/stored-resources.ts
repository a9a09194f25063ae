import type { AppContext, ResourceSource } from '../kernel/index.js';
import { parseScope } from '../scopes/index.js';

/** The resource servers added with `oauth3 resource add`, re-read every 2 s (so other instances and the CLI are seen). */
export function storedResources(ctx: Pick<AppContext, 'db'>): ResourceSource {
  return {
    ttlMs: 2000,
    load: async () =>
      (await ctx.db.selectFrom('oauth_resources').selectAll().orderBy('url').execute()).map((row) => ({
        url: row.url,
        name: row.name,
        scopes: parseScope(row.scope),
        source: 'cli' as const,
        ...(row.introspector ? { introspector: row.introspector } : {}),
      })),
  };
}
