import type { FastifyInstance } from 'fastify';
import type { AppContext, GatewayModule } from '../kernel/index.js';
import { AuthorizationServer } from './authorization-server.js';
import { metadataRoutes } from './endpoints/metadata-routes.js';
import { registrationEndpoint } from './endpoints/registration-endpoint.js';
import { tokenEndpoint } from './endpoints/token-endpoint.js';
import { revocationEndpoint } from './endpoints/revocation-endpoint.js';
import { introspectionEndpoint } from './endpoints/introspection-endpoint.js';
import { statsRoute } from './endpoints/stats-route.js';
import { userinfoEndpoint } from './endpoints/userinfo-endpoint.js';
import { authorizeRoutes } from './authorize/authorize-routes.js';
import { describeAuthorizeReturnTo } from './authorize/describe-authorize-return-to.js';
import { appsRoutes } from './apps/apps-routes.js';
import { authorizationCode } from './grants/authorization-code.js';
import { refreshToken } from './grants/refresh-token.js';
import { clientCredentials } from './grants/client-credentials.js';
import { tokenExchange } from './grants/token-exchange.js';
import { pruneExpired } from './tokens/prune-expired.js';
import { storedResources } from './stored-resources.js';
import { repeatWhileOpen } from '../store/index.js';
import { oauthErrors } from './oauth-errors.js';
import { oauthEvents } from './oauth-events.js';
import { oauthOptions } from './oauth-options.js';
import { migrations } from './migrations/index.js';
import { isLoopbackUrl } from './clients/redirect-uri-rules.js';
import { cliClientDocumentRoute } from './cimd/cli-client-document.js';

/**
 * Adds the configured and stored resources. The stored ones are read now and
 * re-read on a timer, so their scopes are declared before the first request and soon after `oauth3 resource add`.
 */
async function start(ctx: AppContext): Promise<void> {
  const issuer = new URL(ctx.config.publicUrl);
  if (issuer.protocol === 'http:' && !isLoopbackUrl(issuer)) {
    // OAuth 2.1 §1.5 and WebAuthn need TLS beyond loopback: codes, tokens and cookies would cross the network in clear.
    ctx.log.warn(
      { publicUrl: ctx.config.publicUrl },
      'OAUTH3_PUBLIC_URL is plain http on a host that is not loopback: serve the gateway over https (e.g. behind a TLS proxy)',
    );
  }
  for (const r of ctx.config.resources) ctx.resources.add({ ...r, source: 'config' });
  ctx.resources.addSource(storedResources(ctx));
  await ctx.resources.refresh();
  ctx.onClose.push(
    repeatWhileOpen(
      ctx.resources.refreshMs!,
      () => ctx.resources.refresh(),
      (err) => ctx.log.warn({ err }, 'reading the stored resources failed'),
    ),
  );
}

/** The endpoints, sharing one AuthorizationServer (the app's in-memory state). */
async function routes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const as = new AuthorizationServer(ctx);
  await metadataRoutes(app, ctx);
  await registrationEndpoint(app, ctx);
  await cliClientDocumentRoute(app, ctx);
  await tokenEndpoint(app, as);
  await revocationEndpoint(app, as);
  await introspectionEndpoint(app, as);
  await statsRoute(app, ctx);
  await userinfoEndpoint(app, ctx);
  await authorizeRoutes(app, as);
  await appsRoutes(app, ctx);
}

/** The authorization server (OAuth 2.1 for MCP): discovery, registration, authorize + consent, token, revoke, introspect, apps. */
export const oauthModule: GatewayModule = {
  name: 'oauth',
  options: oauthOptions,
  migrations,
  scopes: [
    { name: 'openid', description: 'Know who you are (your account id)', group: 'read' },
    { name: 'profile', description: 'Read your profile (username, email, phone, wallet)', group: 'read' },
    { name: 'offline_access', description: 'Stay connected after you close the app (refresh tokens)', group: 'read' },
    { name: 'mcp', description: 'Use the MCP servers this gateway fronts', group: 'act' },
  ],
  eventTypes: oauthEvents,
  errorCodes: Object.values(oauthErrors),
  grantTypes: [authorizationCode, refreshToken, clientCredentials, tokenExchange],
  describeReturnTo: describeAuthorizeReturnTo,
  start,
  prune: pruneExpired,
  routes,
};
