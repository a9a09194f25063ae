/**
 * A per-app registry of entries by name (scopes, audit event types, error codes, grant types): created by
 * `createRegistries` for one app and filled from the module manifests, never module-level state. A name that a
 * second module declares is refused, naming both; the same module declaring the same name again replaces it.
 */
export class Registry<T> {
  private readonly entries = new Map<string, { entry: T; source: string }>();

  /**
   * @param what what an entry is, for error messages ("scope", "grant type"…)
   * @param nameOf an entry's name
   * @param problem what is wrong with an entry, if anything (it is refused)
   */
  constructor(
    private readonly what: string,
    private readonly nameOf: (entry: T) => string,
    private readonly problem: (entry: T) => string | undefined = () => undefined,
  ) {}

  /** Adds `entry` for the module `source` ('core' for the gateway's own). */
  declare(entry: T, source: string): T {
    const name = this.nameOf(entry);
    const problem = this.problem(entry);
    if (problem) throw new Error(`${this.what} ${name}: ${problem}`);
    const existing = this.entries.get(name);
    if (existing && existing.source !== source) throw new Error(`${this.what} ${name} is already declared by ${existing.source}`);
    this.entries.set(name, { entry, source });
    return entry;
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  get(name: string): T | undefined {
    return this.entries.get(name)?.entry;
  }

  /** The module that declared `name`. */
  sourceOf(name: string): string | undefined {
    return this.entries.get(name)?.source;
  }

  /** Every entry, sorted by name. */
  all(): T[] {
    return [...this.entries.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, e]) => e.entry);
  }

  /** Every name, in declaration order. */
  names(): string[] {
    return [...this.entries.keys()];
  }

  /** The names among `names` that are not declared. */
  unknown(names: readonly string[]): string[] {
    return names.filter((n) => !this.entries.has(n));
  }
}
