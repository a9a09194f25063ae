/**
 * Who may call a route from a script on another origin (CORS). `public`: any origin, without credentials, for
 * the OAuth endpoints a browser-based MCP client calls (discovery, registration, token, revocation, JWKS). A
 * route that reads a session cookie never takes it.
 */
export type CorsPolicy = 'public';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Cross-origin access to this route (server capability: preflight and headers, on the fast lane too). */
    cors?: CorsPolicy;
    /** An operational endpoint (metrics, counts): when OAUTH3_METRICS_TOKEN is set it needs that bearer token. */
    operational?: boolean;
  }
}
