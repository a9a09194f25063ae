import { canonicalResource } from '../../kernel/index.js';

/** Where the gateway's own MCP server answers, under the public URL (the routes see it at the root: /mcp). */
export const MCP_PATH = '/mcp';

/** The canonical URL of the gateway's MCP server: `OAUTH3_PUBLIC_URL/mcp`, the `aud` of the tokens it accepts. */
export function mcpResourceUrl(publicUrl: string): string {
  return canonicalResource(`${publicUrl.replace(/\/+$/, '')}${MCP_PATH}`);
}

/**
 * Its RFC 9728 metadata document, as the 401 challenge names it (`resource_metadata`): the path-inserted form under
 * the public URL, which the gateway answers wherever it is mounted (see oauth/endpoints/metadata-routes.ts).
 */
export function mcpMetadataUrl(publicUrl: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/.well-known/oauth-protected-resource${MCP_PATH}`;
}
