import type { FastifyInstance } from 'fastify';
import type { AuthorizationServer } from '../authorization-server.js';
import { InvalidRequest } from '../../errors/index.js';
import { findToken } from '../tokens/find-token.js';
import { revokeFamilies } from '../tokens/revoke-families.js';
import { formParams } from './form-params.js';

/**
 * POST /revoke (RFC 7009). The client authenticates; a token it holds is revoked: an access token by its jti,
 * a refresh token with its whole family (and the access tokens issued from it). Unknown tokens, or tokens of
 * another client, get 200 as well (§2.2), and nothing happens to them.
 */
export async function revocationEndpoint(app: FastifyInstance, as: AuthorizationServer): Promise<void> {
  const { ctx } = as;
  app.post('/revoke', { config: { oauth: true, cors: 'public' } }, async (request, reply) => {
    const { params } = formParams(request.body, request.headers['content-type']);
    const client = await as.authenticateClient({ authorization: request.headers.authorization, body: params }, request.ip);
    if (!params.token) throw new InvalidRequest('token is missing');
    const found = await findToken(ctx, params.token, params.token_type_hint);
    const own =
      found && (found.type === 'access_token' ? found.principal.clientId === client.clientId : found.clientId === client.clientId);
    if (found && own) {
      await ctx.db.transaction().execute(async (trx) => {
        let userId: string | null;
        let id: string;
        if (found.type === 'access_token') {
          userId = found.principal.userId;
          id = found.principal.tokenId;
          await ctx.tokens.revoke(trx, [{ id, expiresAt: (found.principal.expiresAt ?? 0) * 1000 || null }]);
          await ctx.tokens.revokeTree(trx, { jtis: [id] }); // and everything exchanged from it
        } else {
          userId = found.userId;
          id = found.familyId;
          await revokeFamilies(ctx, trx, [found.familyId]);
        }
        await ctx.audit.record(trx, {
          action: 'oauth.token.revoked',
          actor: { type: 'client', id: client.clientId },
          userId,
          target: { type: found.type, id },
          ip: request.ip,
          userAgent: request.headers['user-agent'],
          detail: { by: 'client' },
        });
      });
    }
    return reply.header('cache-control', 'no-store').send({});
  });
}
