import type { Migration } from 'kysely';
import * as mcpClients from './0004_mcp_clients.js';

/** The /mcp server's migrations (of the proxy module, after the approvals'). Add a file and one line; never edit a released one. */
export const mcpMigrations: Record<string, Migration> = { '0004_mcp_clients': mcpClients };
