import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, ListToolsRequestSchema, UrlElicitationRequiredError } from '@modelcontextprotocol/sdk/types.js';

/** A request the MCP server received: its headers (to check which credential arrived) and the JSON-RPC method. */
export interface McpServerRequest {
  headers: IncomingHttpHeaders;
  method: string | undefined;
}

/** A real MCP server (the SDK's Server, streamable HTTP, stateless) on 127.0.0.1, for the gateway to front. */
export interface TestMcpServer {
  /** `http://127.0.0.1:<port>/mcp` */
  url: string;
  requests: McpServerRequest[];
  /** When set, every request without exactly `Authorization: Bearer <this>` is 401 (a server wanting its own credential). */
  requireBearer?: string;
  /** When set, every tool call answers -32042 with a URL elicitation of this URL (a server sending the person elsewhere). */
  elicitUrl?: string;
  /** The tools it was called with, in order. */
  called: Array<{ name: string; arguments: unknown; authorization: string | undefined }>;
  close(): Promise<void>;
}

/** Its tools, listed one a page: `notes_list` (reads), `notes_add` (writes), `admin_wipe` (the one no ordinary scope reaches). */
const TOOLS = [
  { name: 'notes_list', description: 'Lists the notes.', inputSchema: { type: 'object' as const, properties: {} } },
  {
    name: 'notes_add',
    description: 'Adds a note.',
    inputSchema: { type: 'object' as const, properties: { text: { type: 'string' } }, required: ['text'] },
  },
  { name: 'admin_wipe', description: 'Deletes every note.', inputSchema: { type: 'object' as const, properties: {} } },
];

/**
 * Starts the MCP server at `/mcp`. Every tool answers `{notes, authorization}` (the bearer it got), so a test sees
 * the credential that arrived; set `requireBearer` to make it refuse any other.
 */
export async function startTestMcpServer(): Promise<TestMcpServer> {
  const requests: McpServerRequest[] = [];
  const called: TestMcpServer['called'] = [];
  const notes: string[] = [];
  const me: TestMcpServer = {
    url: '',
    requests,
    called,
    close: () =>
      new Promise<void>((r) => {
        http.closeAllConnections();
        http.close(() => r());
      }),
  };
  const http = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const body = raw ? (JSON.parse(raw) as { method?: string }) : undefined;
    requests.push({ headers: req.headers, method: body?.method });
    if (me.requireBearer && req.headers.authorization !== `Bearer ${me.requireBearer}`) {
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer' }).end('{"error":"invalid_token"}');
      return;
    }
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST' }).end();
      return;
    }
    const server = new Server({ name: 'notes', version: '1' }, { capabilities: { tools: {} } });
    // One tool a page: a client that reads only the first page misses the others.
    server.setRequestHandler(ListToolsRequestSchema, async (r) => {
      const at = Number(r.params?.cursor ?? 0);
      return { tools: TOOLS.slice(at, at + 1), ...(at + 1 < TOOLS.length ? { nextCursor: String(at + 1) } : {}) };
    });
    server.setRequestHandler(CallToolRequestSchema, async (r) => {
      called.push({ name: r.params.name, arguments: r.params.arguments, authorization: req.headers.authorization });
      if (me.elicitUrl)
        throw new UrlElicitationRequiredError([{ mode: 'url', elicitationId: 'upstream-1', url: me.elicitUrl, message: 'Sign in here.' }]);
      if (r.params.name === 'notes_add') notes.push(String((r.params.arguments as { text?: unknown }).text));
      if (r.params.name === 'admin_wipe') notes.length = 0;
      return { content: [{ type: 'text', text: JSON.stringify({ notes, authorization: req.headers.authorization ?? null }) }] };
    });
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const { port } = http.address() as AddressInfo;
  me.url = `http://127.0.0.1:${port}/mcp`;
  return me;
}
