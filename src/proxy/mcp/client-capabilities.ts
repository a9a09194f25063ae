import { createHash } from 'node:crypto';
import type { AppContext, Principal } from '../../kernel/index.js';
import './mcp-client-tables.js';

/** How long what a caller declared is kept after its last `initialize` (a client initializes on every connection). */
const KEPT_MS = 30 * 86_400_000;

/**
 * The caller of an MCP server of the gateway whose declared capabilities are remembered: the person, the agent
 * chain, the server (the token's audience: `/mcp` or a fronted `/mcp/{id}`) and the grant the token descends from
 * (its lineage: consent grant or refresh family, then what it was exchanged from), so a refreshed access token is
 * still the same caller; a token without a lineage (an API token) is its own caller.
 */
export function callerKey(p: Principal): string {
  const grant = p.lineage && p.lineage.length > 0 ? p.lineage : [p.tokenId];
  return createHash('sha256')
    .update(JSON.stringify([p.userId, p.clientId, p.chain, [...p.audience].sort(), grant]))
    .digest('base64url');
}

/** The client capabilities a JSON-RPC `initialize` declares (`{}` when it declares none), or undefined for another message. */
export function initializeCapabilities(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const m = body as { method?: unknown; params?: { capabilities?: unknown } };
  return m.method === 'initialize' ? (m.params?.capabilities ?? {}) : undefined;
}

/** When a request body is an `initialize`, records what it declares for this caller (see rememberClientCapabilities). */
export async function rememberInitialize(ctx: AppContext, principal: Principal, body: unknown): Promise<void> {
  const capabilities = initializeCapabilities(body);
  if (capabilities !== undefined) await rememberClientCapabilities(ctx, principal, capabilities);
}

/** Whether client capabilities (an `initialize`'s `params.capabilities`) include URL-mode elicitation. */
export function declaresUrlElicitation(capabilities: unknown): boolean {
  const elicitation = (capabilities as { elicitation?: unknown } | null | undefined)?.elicitation;
  const url = (elicitation as { url?: unknown } | null | undefined)?.url;
  return typeof url === 'object' && url !== null;
}

/**
 * Records what the caller's `initialize` declared (its last one counts: a client that stops declaring URL
 * elicitation is not sent one). The gateway's MCP servers are stateless and MCP 2025-11-25 sends a client's
 * capabilities only with `initialize`, so they are kept in the database, where every instance finds them.
 */
export async function rememberClientCapabilities(
  ctx: AppContext,
  principal: Principal,
  capabilities: unknown,
  now = Date.now(),
): Promise<void> {
  const row = { caller: callerKey(principal), url_elicitation: declaresUrlElicitation(capabilities) ? 1 : 0, initialized_at: now };
  await ctx.db
    .insertInto('mcp_clients')
    .values(row)
    .onConflict((oc) => oc.column('caller').doUpdateSet({ url_elicitation: row.url_elicitation, initialized_at: row.initialized_at }))
    .execute();
}

/** Whether the caller's last `initialize` (within the keeping) declared URL-mode elicitation; false when unknown. */
export async function acceptsUrlElicitation(ctx: AppContext, principal: Principal, now = Date.now()): Promise<boolean> {
  const row = await ctx.db
    .selectFrom('mcp_clients')
    .select('url_elicitation')
    .where('caller', '=', callerKey(principal))
    .where('initialized_at', '>', now - KEPT_MS)
    .executeTakeFirst();
  return Number(row?.url_elicitation ?? 0) === 1;
}

/** Deletes what callers declared longer ago than the keeping. Returns the rows deleted. */
export async function pruneMcpClients(ctx: AppContext, now = Date.now()): Promise<number> {
  const res = await ctx.db
    .deleteFrom('mcp_clients')
    .where('initialized_at', '<=', now - KEPT_MS)
    .executeTakeFirst();
  return Number(res.numDeletedRows);
}
