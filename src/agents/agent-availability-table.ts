/**
 * Agents their owner made available for delegation by others (a row while it is; none when it is not). Its own
 * table, not a column of oauth_clients: the agents module owns this, the authorization server owns the clients.
 */
export interface AgentAvailabilityTable {
  /** The agent (an oauth_clients id with source 'agent'); removed with it. */
  agent_id: string;
  /** Its owner when it was made available (delegation checks that the owner is still the same). */
  owner_user_id: string;
  created_at: number;
}

declare module '../store/database.js' {
  interface Database {
    agent_availability: AgentAvailabilityTable;
  }
}
