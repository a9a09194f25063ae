import type * as ClientModule from '@modelcontextprotocol/sdk/client/index.js';
import type * as ClientTransportModule from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type * as ServerModule from '@modelcontextprotocol/sdk/server/index.js';
import type * as ServerTransportModule from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type * as TypesModule from '@modelcontextprotocol/sdk/types.js';

/** The parts of the MCP SDK the gateway's MCP servers use (`/mcp` and the fronted servers at `/mcp/{id}`). */
export interface McpSdk {
  Server: typeof ServerModule.Server;
  StreamableHTTPServerTransport: typeof ServerTransportModule.StreamableHTTPServerTransport;
  Client: typeof ClientModule.Client;
  StreamableHTTPClientTransport: typeof ClientTransportModule.StreamableHTTPClientTransport;
  types: typeof TypesModule;
}

let loading: Promise<McpSdk> | undefined;

/**
 * The MCP SDK, imported at the first MCP request rather than when the gateway starts: with its schemas (zod) it is
 * about 20 MB of resident memory, which a gateway nobody calls over MCP does not carry. Loaded once per process.
 */
export function mcpSdk(): Promise<McpSdk> {
  loading ??= Promise.all([
    import('@modelcontextprotocol/sdk/server/index.js'),
    import('@modelcontextprotocol/sdk/server/streamableHttp.js'),
    import('@modelcontextprotocol/sdk/client/index.js'),
    import('@modelcontextprotocol/sdk/client/streamableHttp.js'),
    import('@modelcontextprotocol/sdk/types.js'),
  ]).then(([server, serverTransport, client, clientTransport, types]) => ({
    Server: server.Server,
    StreamableHTTPServerTransport: serverTransport.StreamableHTTPServerTransport,
    Client: client.Client,
    StreamableHTTPClientTransport: clientTransport.StreamableHTTPClientTransport,
    types,
  }));
  return loading;
}
