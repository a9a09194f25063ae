import type { FastifyInstance } from 'fastify';
import type { AuthorizationServer } from '../authorization-server.js';
import { InvalidRequest, UnauthorizedClient, UnsupportedGrantType } from '../../errors/index.js';
import type { GrantDescriptor } from '../grants/grant-descriptor.js';
import { formParams } from './form-params.js';
import { oauthFormRoute } from './oauth-form-route.js';

/** POST /token (RFC 6749 §3.2): authenticates the client, then dispatches to the grant type's descriptor in the app's registry. */
export async function tokenEndpoint(app: FastifyInstance, as: AuthorizationServer): Promise<void> {
  const { ctx } = as;
  oauthFormRoute(
    app,
    '/token',
    { 'cache-control': 'no-store', pragma: 'no-cache' },
    async (request) => {
      const { params, resources } = formParams(request.body, request.headers['content-type']);
      const grantType = params.grant_type;
      if (!grantType) throw new InvalidRequest('grant_type is missing');
      const grant = ctx.registries.grantTypes.get(grantType) as GrantDescriptor | undefined;
      if (!grant) throw new UnsupportedGrantType(`grant_type ${grantType} is not supported`);
      const client = await as.authenticateClient({ authorization: request.headers.authorization, body: params }, request.ip);
      if (!client.grantTypes.includes(grantType)) throw new UnauthorizedClient(`this client is not registered for ${grantType}`);
      const missing = grant.parameters.required.filter((p) => params[p] === undefined);
      if (missing.length) throw new InvalidRequest(`missing parameter: ${missing.join(', ')}`);
      return grant.handler({ ctx, as, client, params, resources, ip: request.ip, userAgent: request.headers['user-agent'] });
    },
    { cors: 'public' }, // browser-based MCP clients (e.g. the MCP Inspector) redeem codes from their own origin
  );
}
