import type { KeyProvider, KeyVerification } from './provider.js';
import { checkKeyValues, KeyValueError } from './key-values.js';

/** A key provider's verification call, as data (`verify` in a providers entry). */
export interface VerifySpec {
  /** With `{field}` placeholders (URL-encoded when filled) and `{api_base}`. */
  url: string;
  method: 'GET' | 'POST';
  /** Header values with `{field}` placeholders (filled as they are). */
  headers: Record<string, string>;
  /** Dot path into the JSON answer naming the account (`result.username`); absent: the account is the provider's name. */
  accountField?: string;
  /** Put before the account (`@` for a Telegram bot). */
  accountPrefix: string;
}

const PLACEHOLDER = /\{([a-z][a-z0-9_]*)\}/g;

/** A value for a URL: percent-encoded as a path segment or query value (`:` kept, as RFC 3986 pchar allows). */
const encode = (v: string) => encodeURIComponent(v).replace(/%3A/gi, ':');

/** Fills `{name}` placeholders from `values`. */
export function fillTemplate(template: string, values: Record<string, string>, encodeValue: (v: string) => string = (v) => v): string {
  return template.replace(PLACEHOLDER, (_, name: string) => encodeValue(values[name] ?? ''));
}

/** The placeholder names in a template. */
export const placeholders = (template: string): string[] => [...template.matchAll(PLACEHOLDER)].map((m) => m[1]);

/** The value at a dot path (`data.username`) of a JSON value, if it is a string or a number. */
export function valueAtPath(json: unknown, path: string): string | undefined {
  let v: unknown = json;
  for (const part of path.split('.')) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined;
  return typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;
}

/**
 * The `verify` of a data-declared key provider: checks the values against the fields, calls the upstream (the URL's
 * origin is fixed by the configuration: a value cannot move the call to another host) and names the account.
 * Neither the URL nor a value appears in an error (a Telegram bot token is part of the URL's path).
 */
export function keyVerify(
  spec: VerifySpec,
  provider: Pick<KeyProvider, 'name' | 'fields' | 'apiBase'>,
): NonNullable<KeyProvider['verify']> {
  const base = { api_base: provider.apiBase ?? '' };
  const origin = new URL(fillTemplate(spec.url, base)).origin;
  const host = new URL(origin).host;
  const label = provider.fields[0].label;
  // "the bot token", "the API key": a label's capital goes unless it starts an acronym
  const what =
    provider.fields.length === 1 ? `the ${/^.[a-z]/.test(label) ? label[0].toLowerCase() + label.slice(1) : label}` : 'the values';
  return async (entered: Record<string, string>, signal: AbortSignal): Promise<KeyVerification> => {
    const values = { ...checkKeyValues(provider, entered), ...base };
    const url = new URL(fillTemplate(spec.url.replaceAll('{api_base}', base.api_base), values, encode));
    if (url.origin !== origin) throw new KeyValueError('refused', `${provider.name}: ${what} cannot be used in the verification call.`);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(spec.headers)) headers[k] = fillTemplate(v, values);
    if (Object.values(headers).some((v) => /[\r\n\0]/.test(v)))
      throw new KeyValueError('refused', `${provider.name}: ${what} holds a line break.`);
    let res: Response;
    try {
      res = await fetch(url, { method: spec.method, headers: { accept: 'application/json', ...headers }, redirect: 'manual', signal });
    } catch (e) {
      const timeout = (e as Error).name === 'AbortError' || (e as Error).name === 'TimeoutError';
      throw new KeyValueError('unavailable', `${provider.name} (${host}) ${timeout ? 'did not answer in time' : 'could not be reached'}.`);
    }
    if (res.status >= 500)
      throw new KeyValueError('unavailable', `${provider.name} (${host}) answered HTTP ${res.status}; try again later.`);
    if (res.status < 200 || res.status > 299) throw new KeyValueError('refused', `${provider.name} refused ${what} (HTTP ${res.status}).`);
    if (!spec.accountField) {
      await res.body?.cancel();
      return { account: provider.name };
    }
    const json: unknown = await res.json().catch(() => undefined);
    const account = valueAtPath(json, spec.accountField);
    if (account === undefined) throw new KeyValueError('unavailable', `${provider.name} (${host}) answered without ${spec.accountField}.`);
    return { account: `${spec.accountPrefix}${account}` };
  };
}
