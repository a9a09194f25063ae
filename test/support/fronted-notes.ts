import type { TestDialect } from './databases.js';
import { startTestApp, type TestApp } from './test-app.js';
import { createTestUser, type TestUser } from './test-user.js';
import { connectWithBearer, mcpBearer } from './mcp-client.js';
import { startUpstreamOidc, type UpstreamOidc } from './upstream-oidc.js';
import { connectUpstream } from './upstream-connection.js';
import { startTestMcpServer, type TestMcpServer } from './mcp-server.js';

/** A gateway fronting the test MCP server as `notes` (and an unreachable private one), with a person connected. */
export interface FrontedNotes {
  upstream: UpstreamOidc;
  mcp: TestMcpServer;
  app: TestApp;
  /** Connected to the upstream provider: the fronted server accepts only their upstream token. */
  user: TestUser;
  /** Another person, not connected. */
  stranger: TestUser;
  /** `${app.url}/mcp/notes`. */
  frontedUrl: string;
  /** An access token for the fronted server (or `audience`) with these scopes, of `user` unless `userId`. */
  token(scopes: string[], o?: { audience?: string; userId?: string }): Promise<string>;
  /** The MCP SDK client on the fronted server (or `url`) with this bearer. */
  connect(bearer: string, url?: string): ReturnType<typeof connectWithBearer>;
  stop(): Promise<void>;
}

/**
 * Starts it: an upstream OIDC provider, the test MCP server (refusing any bearer but the person's upstream token)
 * and the gateway fronting it with `notes_list` on notes.read, `admin_wipe` on notes.admin and the rest on notes.write.
 */
export async function startFrontedNotes(dialect: TestDialect): Promise<FrontedNotes> {
  const upstream = await startUpstreamOidc();
  const mcp = await startTestMcpServer();
  const app = await startTestApp(dialect, {
    providers: [upstream.providerEntry()],
    proxyAllowRanges: ['127.0.0.0/8'],
    mcpServers: [
      {
        id: 'notes',
        name: 'Notes',
        url: mcp.url,
        scopes: { notes_list: 'notes.read', admin_wipe: 'notes.admin' },
        default_scope: 'notes.write',
        provider: 'upstream',
      },
      { id: 'private', url: 'http://10.0.0.1:9/mcp', default_scope: 'private.use' },
    ],
  });
  const user = await createTestUser(app);
  const stranger = await createTestUser(app);
  mcp.requireBearer = (await connectUpstream(app, user.userId, upstream)).tokens.access_token;
  const frontedUrl = `${app.url}/mcp/notes`;
  return {
    upstream,
    mcp,
    app,
    user,
    stranger,
    frontedUrl,
    token: (scopes, o = {}) =>
      mcpBearer(app, { userId: o.userId ?? user.userId, clientId: 'mcp-fronted-client', scopes, audience: o.audience ?? frontedUrl }),
    connect: (bearer, url = frontedUrl) => connectWithBearer(url, bearer, 'mcp-fronted-test'),
    async stop() {
      await app.stop();
      await Promise.all([upstream.stop(), mcp.close()]);
    },
  };
}
