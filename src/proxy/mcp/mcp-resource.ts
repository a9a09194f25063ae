import { canonicalResource } from '../../kernel/index.js';

/** Where the gateway's own MCP server answers, under the public URL (the routes see it at the root: /mcp). */
export const MCP_PATH = '/mcp';

/**
 * The canonical URL of an MCP server the gateway serves: `OAUTH3_PUBLIC_URL/mcp` (its own), or `…/mcp/{id}` (a
 * fronted one): the `aud` of the tokens it accepts.
 */
export function mcpResourceUrl(publicUrl: string, path: string = MCP_PATH): string {
  return canonicalResource(`${publicUrl.replace(/\/+$/, '')}${path}`);
}

/**
 * Its RFC 9728 metadata document, as the 401 challenge names it (`resource_metadata`): the path-inserted form under
 * the public URL, which the gateway answers wherever it is mounted (see oauth/endpoints/metadata-routes.ts).
 */
export function mcpMetadataUrl(publicUrl: string, path: string = MCP_PATH): string {
  return `${publicUrl.replace(/\/+$/, '')}/.well-known/oauth-protected-resource${path}`;
}
