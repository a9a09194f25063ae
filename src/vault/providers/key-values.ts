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

/** The longest value a field takes (API keys and bot tokens are far shorter; this bounds what is sealed and sent). */
export const MAX_KEY_VALUE_LENGTH = 4096;

/**
 * The values a person entered for a key provider, checked against its fields: each one present (trimmed), at most
 * MAX_KEY_VALUE_LENGTH characters, matching its pattern in full; values of no field are dropped. Throws a
 * KeyValueError naming the field's label.
 */
export function checkKeyValues(provider: Pick<KeyProvider, 'fields'>, values: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of provider.fields) {
    const v = values[f.name];
    const s = typeof v === 'string' ? v.trim() : '';
    if (!s) throw new KeyValueError('refused', `${f.label} is required.`);
    if (s.length > MAX_KEY_VALUE_LENGTH) throw new KeyValueError('refused', `${f.label} is too long.`);
    if (f.pattern && !new RegExp(`^(?:${f.pattern})$`).test(s))
      throw new KeyValueError('refused', `${f.label} is not in the expected form.`);
    out[f.name] = s;
  }
  return out;
}
