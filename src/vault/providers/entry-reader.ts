import { closestName } from '../../config/index.js';

/** A providers entry that is not valid; the message names the provider and the field. */
export class ProviderConfigError extends Error {
  override name = 'ProviderConfigError';
}

/** True for a URL whose host is this machine (localhost, 127.0.0.0/8, ::1): plain http there is for tests and development. */
export function isLoopbackHost(u: URL): boolean {
  return u.hostname === 'localhost' || u.hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(u.hostname);
}

/**
 * Reads the fields of one providers entry (a JSON/YAML object, snake_case), failing with
 * `provider "<id>": <field> <problem>`. Values of secret fields never appear in a message.
 */
export class EntryReader {
  constructor(
    /** `"google"` or `#2` (the entry's position, from 1, while its id is unknown). */
    readonly label: string,
    readonly entry: Readonly<Record<string, unknown>>,
    /** Put before a field's name in messages: `verify.` for the fields of `verify`. */
    private readonly prefix = '',
  ) {}

  fail(field: string, problem: string): never {
    throw new ProviderConfigError(`provider ${this.label}: ${this.prefix}${field} ${problem}`);
  }

  /** Refuses a field that is not in `known`, naming the closest known one. */
  refuseUnknown(known: readonly string[]): void {
    for (const key of Object.keys(this.entry)) {
      if (known.includes(key)) continue;
      const closest = closestName(key, known);
      this.fail(key, `is not a known field${closest ? `; did you mean "${closest}"?` : ''}`);
    }
  }

  has(field: string): boolean {
    return this.entry[field] !== undefined && this.entry[field] !== null;
  }

  string(field: string): string | undefined {
    const v = this.entry[field];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') this.fail(field, 'must be a string');
    if (v.trim() === '') this.fail(field, 'must not be empty');
    return v.trim();
  }

  required(field: string, hint = ''): string {
    return this.string(field) ?? this.fail(field, `is required${hint}`);
  }

  oneOf<T extends string>(field: string, values: readonly T[], dflt: T): T {
    const raw = this.entry[field];
    if (typeof raw === 'string' && values.includes(raw as T)) return raw as T; // as given: the scope separator ' '
    const v = this.string(field);
    if (v === undefined) return dflt;
    if (!values.includes(v as T)) this.fail(field, `"${v}" is not one of ${values.join(', ')}`);
    return v as T;
  }

  /** An https URL (http only on a loopback host), trailing slashes kept as given. */
  url(field: string): string | undefined {
    const v = this.string(field);
    return v === undefined ? undefined : checkUrl(v, (problem) => this.fail(field, problem));
  }

  bool(field: string, dflt: boolean): boolean {
    const v = this.entry[field];
    if (v === undefined || v === null) return dflt;
    if (typeof v !== 'boolean') this.fail(field, 'must be true or false');
    return v;
  }

  int(field: string, dflt: number, min: number, max: number): number {
    const v = this.entry[field];
    if (v === undefined || v === null) return dflt;
    if (typeof v !== 'number' || !Number.isInteger(v)) this.fail(field, 'must be a whole number');
    if (v < min || v > max) this.fail(field, `${v} is outside ${min}..${max}`);
    return v;
  }

  /** A list given as an array of strings or as one string split at whitespace (and at `separator`, if given). */
  list(field: string, separator?: string): string[] | undefined {
    const v = this.entry[field];
    if (v === undefined || v === null) return undefined;
    const split = (s: string) => s.split(separator ? new RegExp(`[\\s${separator.replace(/\W/g, '\\$&')}]+`) : /\s+/);
    if (typeof v === 'string') return split(v).filter(Boolean);
    if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) this.fail(field, 'must be a list of strings or a string');
    return (v as string[]).map((s) => s.trim()).filter(Boolean);
  }

  /** A JSON object (not an array), or undefined. */
  object(field: string): Record<string, unknown> | undefined {
    const v = this.entry[field];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) this.fail(field, 'must be an object');
    return v as Record<string, unknown>;
  }

  /** An object of string values (numbers and booleans written as strings). */
  stringMap(field: string): Record<string, string> | undefined {
    const o = this.object(field);
    if (!o) return undefined;
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(o)) {
      if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') this.fail(`${field}.${k}`, 'must be a string');
      out[k] = String(v);
    }
    return out;
  }

  /** A reader of the object in `field` whose messages say `field.<name>` (for `account`, `verify`). */
  nested(field: string, o: Record<string, unknown>): EntryReader {
    return new EntryReader(this.label, o, `${this.prefix}${field}.`);
  }
}

/** Checks an upstream URL: https, or http on a loopback host; no credentials or fragment in it. */
export function checkUrl(value: string, fail: (problem: string) => never): string {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    return fail(`"${value}" is not a URL`);
  }
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && isLoopbackHost(u)))
    fail(`"${value}" must be an https URL (http only on localhost, 127.0.0.1 or [::1])`);
  if (u.username || u.password) fail('must not hold a user name or password');
  if (u.hash) fail('must not have a #fragment');
  return value;
}
