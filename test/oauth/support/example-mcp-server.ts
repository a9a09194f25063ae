// The README's example: an MCP server that runs on its own and uses oauth3 as its authorization server.
// It publishes RFC 9728 metadata naming the gateway, challenges with WWW-Authenticate, and verifies each
// access token locally against the gateway's /jwks.json (RFC 9068: typ at+jwt, issuer, audience = itself).
import { createServer, type Server } from 'node:http';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';

export interface ExampleMcpServerOptions {
  /** The gateway's public URL (the issuer). */
  gateway: string;
  /** This server's canonical URL, e.g. https://notes.example.com/mcp (registered with `oauth3 resource add`). */
  resource: string;
  /** The scope a caller needs. */
  scope: string;
  port: number;
  host?: string;
}

export async function startExampleMcpServer(o: ExampleMcpServerOptions): Promise<Server> {
  const jwks = createRemoteJWKSet(new URL(`${o.gateway}/jwks.json`));
  const path = new URL(o.resource).pathname;
  const metadataUrl = `${new URL(o.resource).origin}/.well-known/oauth-protected-resource${path}`;
  const challenge = (res: import('node:http').ServerResponse, status: number, error: string) =>
    res
      .writeHead(status, {
        'content-type': 'application/json',
        'www-authenticate': `Bearer error="${error}", resource_metadata="${metadataUrl}", scope="${o.scope}"`,
      })
      .end(JSON.stringify({ error }));

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', o.resource);
    if (url.pathname === `/.well-known/oauth-protected-resource${path}`) {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(
        JSON.stringify({
          resource: o.resource,
          authorization_servers: [o.gateway],
          scopes_supported: [o.scope],
          bearer_methods_supported: ['header'],
        }),
      );
    }
    if (url.pathname !== path) return res.writeHead(404).end();
    const bearer = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!bearer) return challenge(res, 401, 'invalid_token');
    let claims: JWTPayload;
    try {
      ({ payload: claims } = await jwtVerify(bearer, jwks, {
        issuer: o.gateway,
        audience: o.resource,
        typ: 'at+jwt',
        algorithms: ['ES256'],
      }));
    } catch {
      return challenge(res, 401, 'invalid_token');
    }
    if (
      !String(claims.scope ?? '')
        .split(' ')
        .includes(o.scope)
    )
      return challenge(res, 403, 'insufficient_scope');

    // Stateless MCP: one server and transport per request, knowing who calls.
    const mcp = new McpServer({ name: 'notes', version: '1.0.0' });
    mcp.registerTool('whoami', { description: 'Says who is calling, as the access token tells' }, async () => ({
      content: [{ type: 'text', text: `person ${claims.sub} through client ${String(claims.client_id)}` }],
    }));
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => void transport.close().then(() => mcp.close()));
    await mcp.connect(transport);
    await transport.handleRequest(req, res);
  });
  await new Promise<void>((ok) => server.listen(o.port, o.host ?? '127.0.0.1', ok));
  return server;
}
