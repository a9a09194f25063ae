import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../kernel/index.js';

/** Where the gateway publishes the oauth3 CLI's Client ID Metadata Document, under its public URL. */
export const CLI_CLIENT_PATH = '/oauth/cli-client.json';

/** The oauth3 CLI's client_id at this gateway: the URL of the document the gateway publishes for it. */
export function cliClientId(ctx: Pick<AppContext, 'config'>): string {
  return `${ctx.config.publicUrl}${CLI_CLIENT_PATH}`;
}

/**
 * The oauth3 CLI's Client ID Metadata Document: a public client (no secret, `none`) with loopback redirects
 * (RFC 8252 §7.3: the port varies, redirect matching allows that for loopback IP literals), the code and refresh
 * grants. The gateway resolves its own document from this function, never by fetching it (its SSRF guard refuses
 * loopback, and a gateway behind a proxy may not reach its own public URL).
 */
export function cliClientDocument(ctx: Pick<AppContext, 'config'>): Record<string, unknown> {
  return {
    client_id: cliClientId(ctx),
    client_name: 'oauth3 CLI',
    redirect_uris: ['http://127.0.0.1/callback', 'http://[::1]/callback'],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
    software_id: 'oauth3-cli',
  };
}

/** GET /oauth/cli-client.json: the document, readable by anyone (it is public metadata). */
export async function cliClientDocumentRoute(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get(CLI_CLIENT_PATH, { config: { cors: 'public' as const } }, async (_req, reply) =>
    reply.header('cache-control', 'public, max-age=3600').send(cliClientDocument(ctx)),
  );
}
