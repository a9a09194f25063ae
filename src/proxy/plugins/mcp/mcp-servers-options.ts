import { opt, type OptionSchema, type OptionValues } from '../../../config/index.js';

/** An MCP server elsewhere that the gateway fronts at `${publicUrl}/mcp/{id}`, as OAUTH3_MCP_SERVERS declares it. */
export interface FrontedMcpServer {
  /** `[a-z][a-z0-9_-]*`: the path segment (`/mcp/{id}`). */
  id: string;
  /** Its human name (consent, metadata); default the id. */
  name?: string;
  /** Its streamable HTTP endpoint (https; plain http only to OAUTH3_PROXY_ALLOW_RANGES). */
  url: string;
  /** Tool name → the scope a token needs to see and call it. */
  scopes?: Record<string, string>;
  /** The scope of every tool `scopes` does not name. */
  default_scope: string;
  /** A vault provider whose credential (the person's) is sent to the server as `Authorization: Bearer …`; none: nothing is sent. */
  provider?: string;
  /** For a key provider: which entered field is the bearer (default: the first). */
  credential_field?: string;
}

const ID = /^[a-z][a-z0-9_-]*$/;
const SCOPE = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/** What is wrong with one entry, or undefined. */
function problem(s: unknown, seen: Set<string>): string | undefined {
  if (typeof s !== 'object' || s === null) return 'every entry must be an object';
  const e = s as Partial<FrontedMcpServer>;
  if (typeof e.id !== 'string' || !ID.test(e.id)) return `id must match ${ID}`;
  if (seen.has(e.id)) return `two servers have the id "${e.id}"`;
  seen.add(e.id);
  let url: URL;
  try {
    url = new URL(String(e.url));
  } catch {
    return `server ${e.id}: url must be an absolute URL`;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `server ${e.id}: url must be https (or http to an allowed range)`;
  if (url.username || url.password) return `server ${e.id}: url must not hold credentials`;
  if (typeof e.default_scope !== 'string' || !SCOPE.test(e.default_scope)) return `server ${e.id}: default_scope must be a scope name`;
  const scopes = e.scopes ?? {};
  if (typeof scopes !== 'object' || Array.isArray(scopes) || !Object.values(scopes).every((v) => typeof v === 'string' && SCOPE.test(v)))
    return `server ${e.id}: scopes must map tool names to scope names`;
  if (e.provider !== undefined && (typeof e.provider !== 'string' || !e.provider)) return `server ${e.id}: provider must be a provider id`;
  if (e.name !== undefined && typeof e.name !== 'string') return `server ${e.id}: name must be a string`;
  return undefined;
}

/** The `mcp` plugin's slice of the config: the MCP servers the gateway fronts. */
export const mcpServersOptions = {
  mcpServers: opt.json<FrontedMcpServer[]>(
    'OAUTH3_MCP_SERVERS',
    "MCP servers the gateway fronts, each at the public URL + /mcp/{id}, with its own protected-resource metadata: [{id, url, scopes: {tool: scope}, default_scope, provider?, credential_field?, name?}]. Agents use the gateway's tokens for that resource; the server gets the person's credential of `provider` from the vault, never the agent's token; a token sees and calls only the tools its scopes allow, and a call takes the proxy's path as the action mcp-{id}.{tool}: the person's limits (rates, argument constraints, ask each time) apply.",
    [],
    (v) => {
      if (!Array.isArray(v)) return 'must be a JSON array of {id, url, default_scope, scopes?, provider?}';
      const seen = new Set<string>();
      for (const s of v) {
        const p = problem(s, seen);
        if (p) return p;
      }
      return undefined;
    },
  ),
} satisfies OptionSchema;

declare module '../../../config/config.js' {
  interface Config extends OptionValues<typeof mcpServersOptions> {}
}

/** The scope a token needs for `tool` of `server`. */
export function scopeOfTool(server: FrontedMcpServer, tool: string): string {
  return Object.hasOwn(server.scopes ?? {}, tool) ? server.scopes![tool]! : server.default_scope;
}

/** Every scope a server's tools need (the default first). */
export function scopesOfServer(server: FrontedMcpServer): string[] {
  return [...new Set([server.default_scope, ...Object.values(server.scopes ?? {})])];
}
