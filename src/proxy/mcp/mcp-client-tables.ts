/** One caller of `/mcp` (see callerKey) and what its last `initialize` declared. */
export interface McpClientsTable {
  /** SHA-256 (base64url) of the caller: person, agent chain and grant lineage (or API token). */
  caller: string;
  /** 1 when the client declared `capabilities.elicitation.url`, else 0. */
  url_elicitation: number;
  initialized_at: number;
}

declare module '../../store/database.js' {
  interface Database {
    mcp_clients: McpClientsTable;
  }
}
