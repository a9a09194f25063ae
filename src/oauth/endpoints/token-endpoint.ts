import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../server/context.js';
import { InvalidRequest, UnauthorizedClient, UnsupportedGrantType } from '../../errors/index.js';
import { authenticateClient } from '../clients/authenticate-client.js';
import { findGrant } from '../grants/registry.js';
import { formParams } from './form-params.js';
import { oauthFormRoute } from './oauth-form-route.js';

/** POST /token (RFC 6749 §3.2): authenticates the client, then dispatches to the grant's descriptor. */
export async function tokenEndpoint(app: FastifyInstance, ctx: AppContext): Promise<void> {
  oauthFormRoute(app, '/token', { 'cache-control': 'no-store', pragma: 'no-cache' }, async (request) => {
    const { params, resources } = formParams(request.body, request.headers['content-type']);
    const grantType = params.grant_type;
    if (!grantType) throw new InvalidRequest('grant_type is missing');
    const grant = findGrant(grantType);
    if (!grant) throw new UnsupportedGrantType(`grant_type ${grantType} is not supported`);
    const client = await authenticateClient(ctx.db, { authorization: request.headers.authorization, body: params });
    if (!client.grantTypes.includes(grantType)) throw new UnauthorizedClient(`this client is not registered for ${grantType}`);
    const missing = grant.parameters.required.filter((p) => params[p] === undefined);
    if (missing.length) throw new InvalidRequest(`missing parameter: ${missing.join(', ')}`);
    return grant.handler({ ctx, client, params, resources, ip: request.ip, userAgent: request.headers['user-agent'] });
  });
}
