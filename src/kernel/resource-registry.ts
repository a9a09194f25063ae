import { InvalidTarget } from '../errors/index.js';
import { canonicalResource } from './canonical-resource.js';
import type { Registry } from './registry.js';
import type { ScopeInfo } from './registries.js';

/** A protected resource tokens may be issued for (its canonical URL is the token's `aud`). */
export interface Resource {
  url: string;
  name: string;
  scopes: string[];
  /** gateway (the gateway's own API), module (declared by a module), config, or cli (stored). */
  source: 'gateway' | 'module' | 'config' | 'cli';
  /**
   * The client_id of the resource server allowed to introspect tokens meant for this resource (RFC 7662 §4):
   * besides a token's own client, only it learns that the token is active and whose it is.
   */
  introspector?: string;
}

/** A scope a resource declares, with what it lets a holder do. */
export type DescribedScope = string | ScopeInfo;

/** Where resources kept elsewhere (the database) come from; read again at most every `ttlMs`. */
export interface ResourceSource {
  load(): Promise<Resource[]>;
  ttlMs: number;
}

/**
 * Every resource server the gateway issues tokens for: its own API (`publicUrl`, whose scopes are every scope a
 * module declared), resources modules and config declare, and those of added sources (the oauth module's
 * table of `oauth3 resource add`). A resource parameter naming anything else is `invalid_target`.
 */
export class ResourceRegistry {
  private readonly fixed = new Map<string, Resource>();
  private readonly sources: Array<{ source: ResourceSource; cached: Resource[]; at: number }> = [];
  /** The gateway's own API resource (the default audience). */
  readonly gatewayUrl: string;

  /** @param moduleScopes the scopes modules declared (the gateway's API offers them) */
  constructor(
    private readonly scopes: Registry<ScopeInfo>,
    publicUrl: string,
    private readonly moduleScopes: () => string[],
  ) {
    this.gatewayUrl = canonicalResource(publicUrl);
  }

  /** The gateway's own API. */
  get gateway(): Resource {
    return { url: this.gatewayUrl, name: 'oauth3 API', scopes: this.moduleScopes(), source: 'gateway' };
  }

  /** Registers a resource, declaring its scopes (a string gets the description "<name>: <scope>"). */
  add(r: Omit<Resource, 'scopes'> & { scopes: readonly DescribedScope[] }): Resource {
    const scopes = r.scopes.map((s) => (typeof s === 'string' ? { name: s, description: `${r.name}: ${s}` } : s));
    const resource: Resource = {
      url: canonicalResource(r.url),
      name: r.name,
      scopes: scopes.map((s) => s.name),
      source: r.source,
      ...(r.introspector ? { introspector: r.introspector } : {}),
    };
    this.declareScopes(resource, scopes);
    this.fixed.set(resource.url, resource);
    return resource;
  }

  /** Adds a source of resources kept elsewhere. */
  addSource(source: ResourceSource): void {
    this.sources.push({ source, cached: [], at: 0 });
  }

  private declareScopes(r: Resource, described: ScopeInfo[]): void {
    for (const name of r.scopes) {
      if (this.scopes.has(name)) continue;
      this.scopes.declare(described.find((d) => d.name === name) ?? { name, description: `${r.name}: ${name}` }, r.url);
    }
  }

  /** Reads one source again and declares the scopes its resources name (so scope checks know them at once). */
  private async reload(s: (typeof this.sources)[number]): Promise<void> {
    s.cached = await s.source.load();
    for (const r of s.cached) this.declareScopes(r, []);
    s.at = Date.now();
  }

  /**
   * Reads every source now. The oauth module calls it at start and then every source's `ttlMs`, so a scope that
   * `oauth3 resource add` declares is known to `/register` and every other check (any worker, any instance)
   * without waiting for something to call `list()`.
   */
  async refresh(): Promise<void> {
    for (const s of this.sources) await this.reload(s);
  }

  /** The shortest re-read interval of the sources (how often `refresh` should run), or undefined without sources. */
  get refreshMs(): number | undefined {
    return this.sources.length ? Math.min(...this.sources.map((s) => s.source.ttlMs)) : undefined;
  }

  /** Every resource, the gateway's first. */
  async list(): Promise<Resource[]> {
    const out = new Map<string, Resource>([[this.gatewayUrl, this.gateway], ...this.fixed]);
    for (const s of this.sources) {
      if (Date.now() - s.at > s.source.ttlMs) await this.reload(s);
      for (const r of s.cached) if (!out.has(r.url)) out.set(r.url, r);
    }
    return [...out.values()];
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
  async resolve(requested: readonly string[]): Promise<Resource[]> {
    if (requested.length === 0) return [this.gateway];
    const all = await this.list();
    const out: Resource[] = [];
    for (const value of requested) {
      const canonical = canonicalResource(value);
      const found = all.find((r) => r.url === canonical);
      if (!found) throw new InvalidTarget(`${canonical} is not a resource this server issues tokens for`);
      if (!out.includes(found)) out.push(found);
    }
    return out;
  }
}
