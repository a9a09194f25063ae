/**
 * The gateway's own MCP server at `/mcp` (streamable HTTP, stateless): the actions a token's scopes allow, as tools,
 * called through the proxy's one calling path. Its resource (`${publicUrl}/mcp`) is declared with the plugins' scopes.
 */
export { mcpRoutes, serveMcp, calledTool, stepUp, noSession } from './mcp-routes.js';
export { mcpSdk, type McpSdk } from './mcp-sdk.js';
export { mcpResources } from './mcp-resources.js';
export { mcpResourceUrl, mcpMetadataUrl, MCP_PATH } from './mcp-resource.js';
export { mcpChallenge, mcpPrincipal } from './mcp-bearer.js';
export { toolError } from './tool-error.js';
export { mcpToolName } from './mcp-tools.js';
export { mcpMigrations } from './migrations/index.js';
export { acceptsUrlElicitation, pruneMcpClients, rememberClientCapabilities, rememberInitialize } from './client-capabilities.js';
export { urlElicitationFor, urlElicitationRequired, type RefusedCall } from './url-elicitation.js';
