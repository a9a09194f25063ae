import type { AppContext } from '../../server/context.js';
import { InvalidTarget } from '../../errors/index.js';
import { canonicalResource } from './canonical-resource.js';
import { parseScope } from '../scopes/grantable-scopes.js';

/** A protected resource tokens may be issued for (its canonical URL is the token's `aud`). */
export interface Resource {
  url: string;
  name: string;
  scopes: string[];
  /** gateway (the gateway's own API), module (registered in-process), config, or cli (stored). */
  source: 'gateway' | 'module' | 'config' | 'cli';
}

const STORED_TTL_MS = 2000;

/**
 * Every resource server the gateway issues tokens for: its own API (`publicUrl`), resources other modules
 * register in-process, config `resources`, and those added with `oauth3 resource add` (re-read every 2 s,
 * so other instances and the CLI are seen). A resource parameter naming anything else is `invalid_target`.
 */
export class ResourceRegistry {
  private fixed = new Map<string, Resource>();
  private stored: Resource[] = [];
  private storedAt = 0;

  constructor(private readonly ctx: AppContext) {
    this.gatewayUrl = canonicalResource(ctx.config.publicUrl);
    const core = ctx.scopes.all().filter((s) => s.source === 'core').map((s) => s.name);
    this.add({ url: ctx.config.publicUrl, name: 'oauth3 API', scopes: core, source: 'gateway' });
    for (const r of ctx.config.resources) {
      const scopes = r.scopes.map((s) => (typeof s === 'string' ? { name: s, description: `${r.name}: ${s}` } : s));
      this.add({ url: r.url, name: r.name, scopes: scopes.map((s) => s.name), source: 'config' }, scopes);
    }
  }

  /** The gateway's own API resource (the default audience). */
  get gateway(): Resource {
    return this.fixed.get(this.gatewayUrl)!;
  }

  private readonly gatewayUrl: string;

  /** Registers a resource in-process (the proxy, a fronted MCP server), declaring its scopes. */
  add(r: Resource, scopes: Array<{ name: string; description: string }> = []): Resource {
    const resource = { ...r, url: canonicalResource(r.url) };
    this.declareScopes(resource, scopes);
    this.fixed.set(resource.url, resource);
    return resource;
  }

  private declareScopes(r: Resource, described: Array<{ name: string; description: string }>): void {
    for (const name of r.scopes) {
      if (this.ctx.scopes.has(name)) continue;
      const description = described.find((d) => d.name === name)?.description ?? `${r.name}: ${name}`;
      this.ctx.scopes.declare({ name, description, source: r.url });
    }
  }

  /** Every resource, the gateway's first. */
  async list(): Promise<Resource[]> {
    if (Date.now() - this.storedAt > STORED_TTL_MS) {
      const rows = await this.ctx.db.selectFrom('oauth_resources').selectAll().orderBy('url').execute();
      this.stored = rows.map((row) => ({ url: row.url, name: row.name, scopes: parseScope(row.scope), source: 'cli' as const }));
      for (const r of this.stored) this.declareScopes(r, []);
      this.storedAt = Date.now();
    }
    return [...this.fixed.values(), ...this.stored.filter((r) => !this.fixed.has(r.url))];
  }

  /** Forgets the cached stored resources (after a change in this process). */
  invalidate(): void {
    this.storedAt = 0;
  }

  /** The resource with this (canonicalised) URL, or undefined. */
  async find(url: string): Promise<Resource | undefined> {
    let canonical: string;
    try {
      canonical = canonicalResource(url);
    } catch {
      return undefined;
    }
    return (await this.list()).find((r) => r.url === canonical);
  }

  /**
   * Resolves RFC 8707 `resource` parameters to registered resources (the gateway's API when none is given).
   * Throws InvalidTarget naming the first unknown one.
   */
  async resolve(requested: string[]): Promise<Resource[]> {
    if (requested.length === 0) return [this.gateway];
    const out: Resource[] = [];
    for (const value of requested) {
      const canonical = canonicalResource(value);
      const found = (await this.list()).find((r) => r.url === canonical);
      if (!found) throw new InvalidTarget(`${canonical} is not a resource this server issues tokens for`);
      if (!out.includes(found)) out.push(found);
    }
    return out;
  }
}

const registries = new WeakMap<AppContext, ResourceRegistry>();

/** The resource registry of this app (one per context). */
export function resourcesOf(ctx: AppContext): ResourceRegistry {
  let r = registries.get(ctx);
  if (!r) registries.set(ctx, (r = new ResourceRegistry(ctx)));
  return r;
}
