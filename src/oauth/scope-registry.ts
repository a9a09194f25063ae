/** A scope the gateway knows: its name, what it lets a holder do (shown on consent pages), who declared it. */
export interface ScopeInfo {
  name: string;
  description: string;
  /** 'core' for built-ins, else the plugin or resource that declared it. */
  source: string;
}

/** Built-in scopes: the gateway's own API. Plugins and configured resources add theirs with `declare`. */
const builtIn: Array<[string, string]> = [
  ['openid', 'Know who you are (your account id)'],
  ['profile', 'Read your profile (username, email, phone, wallet)'],
  ['offline_access', 'Stay connected after you close the app (refresh tokens)'],
  ['tokens.manage', 'Create, list and revoke your personal API tokens'],
  ['agents.manage', 'Register and manage AI agents on your behalf'],
  ['delegate', 'Delegate your rights to agents you registered'],
  ['mcp', 'Use the MCP servers this gateway fronts'],
];

/**
 * The scope registry: built-in scopes plus scopes that plugins and resources declare, each with a description.
 * One instance per app (`ctx.scopes`).
 */
export class ScopeRegistry {
  private scopes = new Map<string, ScopeInfo>();

  constructor() {
    for (const [name, description] of builtIn) this.declare({ name, description, source: 'core' });
  }

  /** Adds a scope (a plugin or resource declaring what it needs). Re-declaring the same name is refused. */
  declare(scope: ScopeInfo): void {
    if (!/^[\x21\x23-\x5B\x5D-\x7E]+$/.test(scope.name)) throw new Error(`scope "${scope.name}" is not a valid scope-token (RFC 6749 §3.3)`);
    const existing = this.scopes.get(scope.name);
    if (existing && existing.source !== scope.source) throw new Error(`scope ${scope.name} is already declared by ${existing.source}`);
    this.scopes.set(scope.name, scope);
  }

  has(name: string): boolean {
    return this.scopes.has(name);
  }

  get(name: string): ScopeInfo | undefined {
    return this.scopes.get(name);
  }

  /** Every scope, sorted by name. */
  all(): ScopeInfo[] {
    return [...this.scopes.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** The names among `names` that are not registered. */
  unknown(names: string[]): string[] {
    return names.filter((n) => !this.scopes.has(n));
  }
}
