import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../kernel/index.js';
import { InvalidClientMetadata, InvalidToken } from '../../errors/index.js';
import { safeEqual } from '../../crypto/index.js';
import { createClient } from '../clients/create-client.js';
import { parseClientMetadata } from '../clients/client-metadata.js';

/**
 * POST /register (RFC 7591). Policy from config: `open` (MCP clients register themselves), `token` (an initial
 * access token is required, §3) or `closed` (no endpoint, and none advertised).
 */
export async function registrationEndpoint(app: FastifyInstance, ctx: AppContext): Promise<void> {
  if (ctx.config.oauthRegistration === 'closed') return;
  app.post('/register', { config: { oauth: true, cors: 'public' } }, async (request, reply) => {
    if (ctx.config.oauthRegistration === 'token') {
      const m = /^Bearer (\S+)$/i.exec(request.headers.authorization ?? '');
      const expected = ctx.config.oauthRegistrationToken;
      if (!m || !expected || !safeEqual(m[1], expected)) throw new InvalidToken('registration needs an initial access token');
    }
    const body = request.body;
    if (!body || typeof body !== 'object' || Array.isArray(body))
      throw new InvalidClientMetadata('the body must be a JSON object of client metadata');
    const input = parseClientMetadata(body as Record<string, unknown>, { knownScope: (s) => ctx.registries.scopes.has(s) });
    // Under open registration nobody vouches for the client, so it may not grant itself scopes: its
    // client_credentials tokens carry none (scopes come from a person's consent, or from a registration made
    // with the initial access token or the CLI). It still authenticates, e.g. as a resource server introspecting.
    const grants = input.grantTypes ?? [];
    if (ctx.config.oauthRegistration === 'open' && grants.includes('client_credentials')) {
      if (grants.includes('authorization_code')) {
        throw new InvalidClientMetadata('open registration: register client_credentials and authorization_code as two clients');
      }
      input.scope = [];
    }
    const { client, clientSecret } = await ctx.db.transaction().execute(async (trx) => {
      const created = await createClient(trx, { ...input, source: 'dcr' });
      await ctx.audit.record(trx, {
        action: 'oauth.client.registered',
        actor: { type: 'anonymous' },
        target: { type: 'client', id: created.client.clientId },
        ip: request.ip,
        userAgent: request.headers['user-agent'],
        detail: { name: created.client.name, redirect_uris: created.client.redirectUris },
      });
      return created;
    });
    return reply
      .code(201)
      .header('cache-control', 'no-store')
      .send({
        client_id: client.clientId,
        ...(clientSecret ? { client_secret: clientSecret, client_secret_expires_at: 0 } : {}),
        client_id_issued_at: Math.floor(client.createdAt / 1000),
        client_name: client.name,
        redirect_uris: client.redirectUris,
        grant_types: client.grantTypes,
        response_types: ['code'],
        token_endpoint_auth_method: client.tokenEndpointAuthMethod,
        ...(client.scope ? { scope: client.scope.join(' ') } : {}),
        ...(client.clientUri ? { client_uri: client.clientUri } : {}),
        ...(client.logoUri ? { logo_uri: client.logoUri } : {}),
        ...client.metadata,
      });
  });
}
