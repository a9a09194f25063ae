import type { VNode } from 'preact';
import type { Executor } from '../store/index.js';

/**
 * A part a module adds to the forms that grant scopes to someone else (the consent page): `render` shows its fields
 * for the scopes granted (with the stored value when editing), `parse` reads them back (throws a 400 AppError naming
 * what is wrong, e.g. a limit on a scope that is not granted; undefined when nothing was set), `store` writes the
 * parsed value under the grant's id in the grant's transaction. The proxy fills it with the policy fields, so the
 * authorization server never imports the proxy.
 */
export interface GrantFormPart {
  /** Unique (the registry key): the declaring module. */
  name: string;
  /** True for the form fields this part reads (never carried over from the request into the form). */
  owns(field: string): boolean;
  /** True when the part has fields for a grant of these scopes (the proxy: some plugin action's scope is among them). */
  applies(scopes: readonly string[]): boolean;
  /** Its fields: with `value` (the stored one, editing), or with `submitted` (a refused form's fields as sent, shown again as typed). */
  render(scopes: readonly string[], value?: unknown, submitted?: Record<string, unknown>): VNode | null;
  parse(form: Record<string, unknown>, scopes: readonly string[]): unknown;
  /** Writes the value (undefined: removes what is stored, e.g. every limit emptied on an edit form). */
  store(db: Executor, grantId: string, value: unknown): Promise<void>;
  /** The stored value of a grant, to edit it (null when none, or when it cannot be read: set again). */
  load(grantId: string): Promise<unknown>;
  /** What is stored for these grants, in words, by id (absent: nothing set). */
  describe(grantIds: readonly string[]): Promise<Map<string, string[]>>;
}
