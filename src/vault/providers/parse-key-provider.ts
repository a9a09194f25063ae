import { checkUrl, type EntryReader } from './entry-reader.js';
import { fillTemplate, keyVerify, placeholders, type VerifySpec } from './key-verify.js';
import type { KeyField, KeyProvider } from './provider.js';

/** The fields of an `api_key` entry. */
export const keyFields = ['id', 'name', 'kind', 'preset', 'fields', 'verify', 'api_base'] as const;

const FIELD_NAME = /^[a-z][a-z0-9_]*$/;

function parseFields(r: EntryReader): KeyField[] {
  const raw = r.entry.fields;
  if (!Array.isArray(raw) || raw.length === 0) r.fail('fields', 'must be a non-empty list of {name, label, pattern?, secret?}');
  const fields = raw.map((item: unknown, i): KeyField => {
    if (!item || typeof item !== 'object' || Array.isArray(item)) r.fail(`fields[${i}]`, 'must be an object');
    const f = r.nested(`fields[${i}]`, item as Record<string, unknown>);
    f.refuseUnknown(['name', 'label', 'pattern', 'secret']);
    const name = f.required('name');
    if (!FIELD_NAME.test(name)) f.fail('name', `"${name}" must match [a-z][a-z0-9_]*`);
    if (name === 'api_base') f.fail('name', '"api_base" is the provider\'s base URL, not a field');
    const pattern = f.string('pattern');
    if (pattern !== undefined) {
      try {
        new RegExp(pattern);
      } catch {
        f.fail('pattern', 'is not a valid regular expression');
      }
    }
    return { name, label: f.string('label') ?? name, ...(pattern !== undefined && { pattern }), secret: f.bool('secret', true) };
  });
  const seen = new Set<string>();
  fields.forEach((f, i) => {
    if (seen.has(f.name)) r.fail(`fields[${i}].name`, `"${f.name}" is given twice`);
    seen.add(f.name);
  });
  return fields;
}

function parseVerify(r: EntryReader, fields: KeyField[], apiBase: string | undefined): VerifySpec | undefined {
  const o = r.object('verify');
  if (!o) return undefined;
  const v = r.nested('verify', o);
  v.refuseUnknown(['url', 'method', 'headers', 'account_field', 'account_prefix']);
  const url = v.required('url');
  const headers = v.stringMap('headers') ?? {};
  const known = [...fields.map((f) => f.name), ...(apiBase ? ['api_base'] : [])];
  for (const [where, template] of [['url', url], ...Object.keys(headers).map((k) => [`headers.${k}`, headers[k]])]) {
    const unknown = placeholders(template).find((p) => !known.includes(p));
    if (unknown) v.fail(where, `names {${unknown}}, which is not ${unknown === 'api_base' ? 'set (api_base)' : 'a field'}`);
  }
  // The host comes from the configuration only: no field placeholder before the path.
  const withBase = url.replaceAll('{api_base}', apiBase ?? '');
  const authority = /^[a-z]+:\/\/[^/?#]*/i.exec(withBase)?.[0] ?? withBase;
  if (placeholders(authority).length > 0) v.fail('url', 'may hold field placeholders in its path and query only');
  checkUrl(
    fillTemplate(withBase, {}, () => 'x'),
    (problem) => v.fail('url', problem),
  );
  return {
    url,
    method: v.oneOf('method', ['GET', 'POST'], 'GET'),
    headers,
    accountField: v.string('account_field'),
    accountPrefix: v.string('account_prefix') ?? '',
  };
}

/** Validates an `api_key` entry (already merged with its preset) into a KeyProvider, its `verify` built from the data. */
export function parseKeyProvider(r: EntryReader, base: { id: string; name: string }): KeyProvider {
  r.refuseUnknown(keyFields);
  const apiBase = r.url('api_base')?.replace(/\/+$/, '');
  const fields = parseFields(r);
  const spec = parseVerify(r, fields, apiBase);
  const provider: KeyProvider = { ...base, kind: 'api_key', fields, ...(apiBase && { apiBase }) };
  if (spec) provider.verify = keyVerify(spec, provider);
  return provider;
}
