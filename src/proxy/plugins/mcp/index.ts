/** The `mcp` plugin: MCP servers elsewhere, fronted at `/mcp/{id}` (OAUTH3_MCP_SERVERS). */
export { mcpPlugin } from './mcp-plugin.js';
export type { FrontedMcpServer } from './mcp-servers-options.js';
export { frontedInputSchemas, frontedPolicyKeys, frontedToolTitle, isFrontedScope, isFrontedToolKey } from './fronted-policy-keys.js';
