import { InvalidClientMetadata } from '../../errors/index.js';
import { isLoopbackUrl } from './redirect-uri-rules.js';

/** Bounds on registered client metadata: registration is unauthenticated (open), so nothing it stores is unbounded. */
export const METADATA_LIMITS = {
  redirectUris: 10,
  url: 2000,
  name: 100,
  contacts: 5,
  /** RFC 5321 §4.5.3.1: a forward path is at most 256 octets including the angle brackets. */
  email: 254,
  /** software_id, software_version. */
  text: 200,
  scope: 2000,
} as const;

// One @, no spaces or angle brackets, a dot in the domain: enough to refuse what is not an address at all.
const EMAIL = /^[^\s@<>()",;:]+@[^\s@<>()",;:]+\.[^\s@<>()",;:]+$/;

/** An optional string field of at most `max` characters (undefined when absent); invalid_client_metadata naming the field. */
export function optionalText(v: unknown, field: string, max: number): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || v.length > max) throw new InvalidClientMetadata(`${field} must be a string of at most ${max} characters`);
  return v;
}

/**
 * An optional URL field (client_uri, logo_uri, tos_uri, policy_uri): absolute https, or http on a loopback host
 * (a client running on the person's machine), no credentials, at most 2,000 characters.
 */
export function optionalUrl(v: unknown, field: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  const problem = `${field} must be an https URL (or http on localhost) of at most ${METADATA_LIMITS.url} characters`;
  if (typeof v !== 'string' || v.length > METADATA_LIMITS.url || !URL.canParse(v)) throw new InvalidClientMetadata(problem);
  const u = new URL(v);
  const scheme = u.protocol === 'https:' || (u.protocol === 'http:' && isLoopbackUrl(u));
  if (!scheme || u.username || u.password) throw new InvalidClientMetadata(problem);
  return v;
}

/** RFC 7591 `contacts`: at most 5 email addresses of at most 254 characters each. */
export function optionalContacts(v: unknown): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  const { contacts: max, email } = METADATA_LIMITS;
  if (!Array.isArray(v) || v.length > max) throw new InvalidClientMetadata(`contacts must be an array of at most ${max} email addresses`);
  for (const c of v) {
    if (typeof c !== 'string' || c.length > email || !EMAIL.test(c))
      throw new InvalidClientMetadata(`contacts must hold email addresses of at most ${email} characters`);
  }
  return v as string[];
}
