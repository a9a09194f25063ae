import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../server/context.js';
import { addFastLane } from '../../server/fast-lanes.js';
import { asOAuthError, oauthErrorHeaders } from '../../server/error-handler.js';
import { InvalidRequest, UnauthorizedClient, UnsupportedGrantType } from '../../errors/index.js';
import { authenticateClient } from '../clients/authenticate-client.js';
import { findGrant } from '../grants/registry.js';
import type { TokenResponse } from '../grants/grant-descriptor.js';
import { formParams } from './form-params.js';

/** What a token request is made of, read from the HTTP request by either path (Fastify route or fast lane). */
interface TokenRequest {
  body: unknown;
  headers: { 'content-type'?: string; authorization?: string; 'user-agent'?: string };
  ip: string;
}

/** The token request itself: authenticates the client, then dispatches to the grant's descriptor. */
async function token(ctx: AppContext, request: TokenRequest): Promise<TokenResponse> {
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
}

const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };

/**
 * POST /token (RFC 6749 §3.2). A Fastify route, and a fast lane (see FastLanes) for the plain form POSTs that
 * make up nearly all of its traffic: both run `token` and answer the same way (errors through the one error
 * handler's OAuth mapping).
 */
export async function tokenEndpoint(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.post('/token', { config: { oauth: true } }, async (request, reply) => {
    const body = await token(ctx, request);
    return reply.headers(NO_STORE).send(body);
  });
  addFastLane(app, 'POST', '/token', {
    run: async (request) => ({ status: 200, headers: NO_STORE, body: await token(ctx, request) }),
    fail: (error, _request, log) => {
      const oauthError = asOAuthError(error);
      if (oauthError) return { status: oauthError.status, headers: oauthErrorHeaders(oauthError), body: oauthError.toJSON() };
      log(error);
      return { status: 500, headers: { 'cache-control': 'no-store' }, body: { error: 'server_error' } };
    },
  });
}
