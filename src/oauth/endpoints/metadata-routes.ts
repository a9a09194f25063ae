import type { FastifyInstance } from 'fastify';
import type { AppContext, Resource } from '../../kernel/index.js';
import { AppError } from '../../errors/index.js';
import { oauthErrors } from '../oauth-errors.js';
import { ASSERTION_ALGS } from '../clients/client-assertion.js';

/** RFC 8414 authorization server metadata; every value is what the endpoints really do. */
export function authorizationServerMetadata(ctx: AppContext): Record<string, unknown> {
  const iss = ctx.config.publicUrl;
  const valid = ctx.config.oauthValidScopes;
  return {
    issuer: iss,
    authorization_endpoint: `${iss}/authorize`,
    token_endpoint: `${iss}/token`,
    jwks_uri: `${iss}/jwks.json`,
    ...(ctx.config.oauthRegistration !== 'closed' ? { registration_endpoint: `${iss}/register` } : {}),
    revocation_endpoint: `${iss}/revoke`,
    introspection_endpoint: `${iss}/introspect`,
    scopes_supported: valid.length ? valid : ctx.registries.scopes.all().map((s) => s.name),
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: ctx.registries.grantTypes.names(),
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'],
    token_endpoint_auth_signing_alg_values_supported: ASSERTION_ALGS,
    revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'],
    revocation_endpoint_auth_signing_alg_values_supported: ASSERTION_ALGS,
    introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'],
    introspection_endpoint_auth_signing_alg_values_supported: ASSERTION_ALGS,
    code_challenge_methods_supported: ['S256'],
    authorization_response_iss_parameter_supported: true,
    client_id_metadata_document_supported: ctx.config.oauthCimd,
    service_documentation: `${iss}/docs`,
  };
}

/**
 * OpenID Connect Discovery 1.0 §3: the same document plus what an OpenID Provider publishes. ID tokens carry `sub`,
 * `auth_time` and the binding claims; profile claims come from /userinfo with the `profile` scope. Request objects
 * are not supported, so request_uri_parameter_supported is published as false (its default is true).
 */
function openidConfiguration(ctx: AppContext): Record<string, unknown> {
  return {
    ...authorizationServerMetadata(ctx),
    userinfo_endpoint: `${ctx.config.publicUrl}/userinfo`,
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256', 'ES256'],
    claims_supported: [
      'sub',
      'iss',
      'aud',
      'exp',
      'iat',
      'auth_time',
      'nonce',
      'at_hash',
      'preferred_username',
      'email',
      'email_verified',
      'phone_number',
      'phone_number_verified',
      'updated_at',
    ],
    claims_parameter_supported: false,
    request_parameter_supported: false,
    request_uri_parameter_supported: false,
  };
}

/** RFC 9728 metadata of one protected resource: its `resource` is exactly the URL clients are challenged on. */
function protectedResourceMetadata(ctx: AppContext, r: Resource): Record<string, unknown> {
  return {
    resource: r.url,
    resource_name: r.name,
    authorization_servers: [ctx.config.publicUrl],
    jwks_uri: `${ctx.config.publicUrl}/jwks.json`,
    // The scopes a client needs for this resource (MCP): offline_access is the authorization server's business.
    scopes_supported: r.scopes.filter((s) => s !== 'offline_access'),
    bearer_methods_supported: ['header'],
  };
}

/**
 * Discovery: /.well-known/oauth-authorization-server, /.well-known/openid-configuration, and
 * /.well-known/oauth-protected-resource in the root form (the gateway's API) and the path-inserted form for every
 * resource under the public URL (`/.well-known/oauth-protected-resource/mcp/x`). For a public URL with a path the
 * server also answers the path-inserted forms at the origin's root (RFC 8414 §3.1, RFC 9728 §3.1).
 */
export async function metadataRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const send = (reply: import('fastify').FastifyReply, body: unknown) => reply.header('cache-control', 'public, max-age=300').send(body);
  // Browser-based MCP clients discover from their own origin: every answer here, errors too, is readable by any.
  const config = { config: { cors: 'public' as const } };
  app.get('/.well-known/oauth-authorization-server', config, async (_req, reply) => send(reply, authorizationServerMetadata(ctx)));
  app.get('/.well-known/openid-configuration', config, async (_req, reply) => send(reply, openidConfiguration(ctx)));
  // Routes are served under the public URL's path (server/public-path.ts), so a resource's URL is the public URL
  // plus the path after the well-known name: /.well-known/oauth-protected-resource/mcp/x names <publicUrl>/mcp/x.
  app.get('/.well-known/oauth-protected-resource', config, async (_req, reply) =>
    send(reply, protectedResourceMetadata(ctx, ctx.resources.gateway)),
  );
  app.get('/.well-known/oauth-protected-resource/*', config, async (req, reply) => {
    const url = `${ctx.config.publicUrl}/${(req.params as { '*': string })['*'].replace(/\/+$/, '')}`;
    const r = (await ctx.resources.list()).find((r) => r.url === url);
    if (!r) throw new AppError(oauthErrors.ERR_OAUTH_RESOURCE_NOT_FOUND, `No protected resource at ${url}.`);
    return send(reply, protectedResourceMetadata(ctx, r));
  });
}
