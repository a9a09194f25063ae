import type { KeyProvider } from './provider.js';

/**
 * Why entered key values were not accepted: `refused` (a value is missing, does not match its pattern, or the
 * upstream refused it: the person should correct it) or `unavailable` (the upstream did not answer properly: try
 * again later). The message can be shown to the person; it names fields by label and never holds a value.
 */
export class KeyValueError extends Error {
  override name = 'KeyValueError';
  constructor(
    readonly reason: 'refused' | 'unavailable',
    message: string,
  ) {
    super(message);
  }
}

/**
 * The values a person entered for a key provider, checked against its fields: each one present (trimmed), matching
 * its pattern in full; values of no field are dropped. Throws a KeyValueError naming the field's label.
 */
export function checkKeyValues(provider: Pick<KeyProvider, 'fields'>, values: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of provider.fields) {
    const v = values[f.name];
    const s = typeof v === 'string' ? v.trim() : '';
    if (!s) throw new KeyValueError('refused', `${f.label} is required.`);
    if (f.pattern && !new RegExp(`^(?:${f.pattern})$`).test(s))
      throw new KeyValueError('refused', `${f.label} is not in the expected form.`);
    out[f.name] = s;
  }
  return out;
}
