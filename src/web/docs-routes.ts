import type { FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { publicPath, type AppContext } from '../kernel/index.js';

/**
 * The OpenAPI document (built from route schemas: every route registered after this one with a `schema` shows
 * up) and the Swagger UI at /docs. Swagger UI loads only its own files (script-src 'self' holds); it sets
 * inline style attributes, so on /docs alone style-src also allows 'unsafe-inline' (styles, never scripts).
 */
export async function docsRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'oauth3 gateway API',
        version: '1',
        description: 'Accounts, tokens, agents and OAuth endpoints of this oauth3 gateway.',
      },
      servers: [{ url: ctx.config.publicUrl }],
      components: {
        securitySchemes: {
          session: {
            type: 'apiKey',
            in: 'cookie',
            name: 'oauth3_session',
            description:
              'Browser session (named __Host-oauth3_session when the public URL is https) (state-changing requests also need the x-csrf-token header).',
          },
          bearer: { type: 'http', scheme: 'bearer', description: 'Any gateway bearer token: personal API token or OAuth access token.' },
        },
      },
    },
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    // Under a public URL with a path, the page's asset links are written with it (the route itself is mounted under it).
    indexPrefix: publicPath(ctx.config.publicUrl),
    uiConfig: { docExpansion: 'list', deepLinking: false, validatorUrl: null },
    transformStaticCSP: (header: string) => header.replace(/style-src ([^;]*)/, (_m, v: string) => `style-src ${v} 'unsafe-inline'`),
  });
}
