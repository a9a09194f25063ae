/** Field names whose values are never logged or stored in audit details. */
export const SECRET_FIELD =
  /token|secret|code|password|passwd|authorization|cookie|credential|private|verifier|assertion|challenge|api[-_]?key|^key$/i;

/** A deep copy of `value` with every field whose name looks secret replaced by "[redacted]". */
export function scrub(value: unknown, depth = 0): unknown {
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value; // requests, errors: their own serializers apply
  const out: Record<string, unknown> = {};
  const fields = value as Record<string, unknown>;
  // Object.keys, not Object.entries: no [key, value] pair per field (every audit event passes here)
  for (const k of Object.keys(fields)) out[k] = SECRET_FIELD.test(k) ? '[redacted]' : scrub(fields[k], depth + 1);
  return out;
}

/**
 * JSON.stringify's replacer that writes "[redacted]" for every field whose name looks secret, at any depth (scrub stops
 * at 6 and leaves objects that are not plain as they are: this redacts those too). For a detail stored as JSON: the
 * same text as `JSON.stringify(scrub(detail))` for plain data, without building scrub's copy first (~1 KB per event).
 */
export function redactSecrets(key: string, value: unknown): unknown {
  return key !== '' && SECRET_FIELD.test(key) ? '[redacted]' : value;
}

/** A URL with the values of secret-looking query parameters (code, token, state, nonce…) replaced. */
export function scrubUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const params = new URLSearchParams(url.slice(q + 1));
  for (const k of [...params.keys()]) if (SECRET_FIELD.test(k) || k === 'state' || k === 'nonce') params.set(k, '[redacted]');
  return `${url.slice(0, q)}?${params.toString()}`;
}
