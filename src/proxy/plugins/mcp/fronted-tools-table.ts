/** A fronted MCP server's tools as it last listed them through any instance of the gateway. */
export interface McpFrontedToolsTable {
  /** The server's id in OAUTH3_MCP_SERVERS. */
  server_id: string;
  /** Its tools/list, the pages joined: a JSON array of MCP Tool objects. */
  tools: string;
  /** ms: when that list was read. */
  listed_at: number;
}

declare module '../../../store/database.js' {
  interface Database {
    mcp_fronted_tools: McpFrontedToolsTable;
  }
}
