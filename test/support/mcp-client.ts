import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import type { PluginModule } from '../../src/proxy/index.js';
import type { TestApp } from './test-app.js';
import { issueAccessToken } from './tokens.js';

/** A 10-minute access token of `userId` for the MCP endpoint `audience`, as the gateway's AS issues one to a host. */
export async function mcpBearer(
  app: TestApp,
  spec: { userId: string; clientId: string; scopes: string[]; audience: string },
): Promise<string> {
  return (await issueAccessToken(app.ctx, { ...spec, audience: [spec.audience], ttl: 600 })).token;
}

/**
 * The SDK client (streamable HTTP) connected to `url` with this bearer: no OAuth flow, the token is given. Its
 * `initialize` declares `capabilities` (none unless told; `{ elicitation: { url: {} } }` for URL elicitation).
 */
export async function connectWithBearer(url: string, bearer: string, name: string, capabilities: ClientCapabilities = {}): Promise<Client> {
  const client = new Client({ name, version: '1.0.0' }, { capabilities });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { authorization: `Bearer ${bearer}` } } }),
  );
  return client;
}

/** The text of a tool result's first content. */
export const toolText = (result: object): string => ((result as { content?: unknown }).content as Array<{ text: string }>)[0]!.text;

/** The tool names /mcp lists for these scopes: every action of these plugins whose scope is among them, sorted. */
export const toolNamesFor = (plugins: PluginModule[], scopes: string[]): string[] =>
  plugins
    .flatMap((p) => p.plugin.actions.filter((a) => scopes.includes(a.scope)).map((a) => `${p.plugin.id}_${a.name.replace(/\./g, '_')}`))
    .sort();
