import type { Provider } from '../providers/index.js';
import type { Vault } from '../vault.js';
import { scopeList } from './scope-words.js';
import { serverNames } from './server-names.js';

/** A server allowed to use a connection, as the page names it. */
export interface AllowedServer {
  /** `apikey:<id>` or `client:<client_id>`: the revoke form's value. */
  server: string;
  name: string;
  since: number;
}

/** One connection as the Connections page shows it. */
export interface ConnectionView {
  provider: string;
  providerName: string;
  /** 'oauth' (connect again upstream) or 'key' (enter the key again); 'gone' when no longer configured. */
  kind: 'oauth' | 'key' | 'gone';
  account: string | null;
  scopes: string[];
  status: 'active' | 'needs_reauth' | 'unavailable';
  /** Why the last refresh failed (an OAuth error code or a short cause). */
  lastError: string | null;
  /** ms: no refresh is tried before (after an upstream failure). */
  retryAfter: number | null;
  /** ms: when the upstream token expires; null: it does not. */
  expiresAt: number | null;
  connectedAt: number;
  refreshedAt: number | null;
  lastUsedAt: number | null;
  /** The name of who last received the credential. */
  lastUsedBy: string | null;
  servers: AllowedServer[];
}

const kindOf = (p: Provider | undefined): ConnectionView['kind'] => (!p ? 'gone' : p.kind === 'api_key' ? 'key' : 'oauth');

/**
 * The person's connections with the names of the servers allowed to use each and of the last user, and the
 * configured providers they have not connected yet (the "Connect an account" buttons).
 */
export async function listConnections(vault: Vault, userId: string): Promise<{ connections: ConnectionView[]; notConnected: Provider[] }> {
  const [rows, allowances] = await Promise.all([vault.connections(userId), vault.allowances(userId)]);
  const byId = new Map(vault.providers.map((p) => [p.id, p]));
  const names = await serverNames(vault.ctx.db, [
    ...allowances.map((a) => a.server),
    ...rows.flatMap((r) => (r.last_used_by ? [r.last_used_by] : [])),
  ]);
  const connections = rows.map((r): ConnectionView => {
    const p = byId.get(r.provider);
    return {
      provider: r.provider,
      providerName: p?.name ?? r.provider,
      kind: kindOf(p),
      account: r.account,
      scopes: scopeList(r.scopes),
      status: r.status === 'needs_reauth' || r.status === 'unavailable' ? r.status : 'active',
      lastError: r.last_error,
      retryAfter: r.retry_after === null ? null : Number(r.retry_after),
      expiresAt: r.expires_at === null ? null : Number(r.expires_at),
      connectedAt: Number(r.created_at),
      refreshedAt: r.refreshed_at === null ? null : Number(r.refreshed_at),
      lastUsedAt: r.last_used_at === null ? null : Number(r.last_used_at),
      lastUsedBy: r.last_used_by ? (names.get(r.last_used_by) ?? null) : null,
      servers: allowances
        .filter((a) => a.provider === r.provider)
        .map((a) => ({ server: a.server, name: names.get(a.server) ?? a.server, since: Number(a.created_at) }))
        .sort((a, b) => a.name.localeCompare(b.name)),
    };
  });
  const connected = new Set(rows.map((r) => r.provider));
  return { connections, notConnected: vault.providers.filter((p) => !connected.has(p.id)) };
}
