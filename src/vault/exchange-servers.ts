import type { AppContext } from '../kernel/index.js';

/** A server that may exchange a person's access token for their upstream token (see vaultExchangeTarget). */
export interface ExchangeServer {
  /** What an allowance names: `client:<client_id>`. */
  server: string;
  clientId: string;
  /** The resource's name, as consent pages show it. */
  name: string;
  /** The resource (MCP server) URL its tokens are for. */
  resource: string;
}

/**
 * The servers a person may allow to use a connection through the token exchange: the resource servers registered
 * with an introspector (`oauth3 resource add URL --introspector CLIENT`, or OAUTH3_RESOURCES), named as on consent
 * pages. For the Connections page's "allow a server" choice (`vault.allow(userId, provider, server)`).
 */
export async function exchangeServers(ctx: Pick<AppContext, 'resources'>): Promise<ExchangeServer[]> {
  const out = new Map<string, ExchangeServer>();
  for (const r of await ctx.resources.list()) {
    if (!r.introspector || out.has(r.introspector)) continue;
    out.set(r.introspector, { server: `client:${r.introspector}`, clientId: r.introspector, name: r.name, resource: r.url });
  }
  return [...out.values()];
}
