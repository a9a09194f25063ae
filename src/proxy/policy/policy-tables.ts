/** A grant's policy (a consent grant, a refresh family, a delegation or an API token, by id), as JSON. */
export interface ProxyPoliciesTable {
  grant_id: string;
  /** The GrantPolicy as JSON; read through parseGrantPolicy (an invalid one refuses every call). */
  policy: string;
  updated_at: number;
}

/** Calls counted for one grant, one action (or scope) and one fixed window. */
export interface ProxyRateCountsTable {
  grant_id: string;
  action: string;
  /** The window's start (ms). */
  window_start: number;
  count: number;
}

declare module '../../store/database.js' {
  interface Database {
    proxy_policies: ProxyPoliciesTable;
    proxy_rate_counts: ProxyRateCountsTable;
  }
}
