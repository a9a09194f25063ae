/**
 * The `scope` member of a token response (RFC 6749 §5.1): the granted scopes, or no member at all when none was
 * granted. Some clients choke on `"scope": ""`, and RFC 6749 lets the member be left out.
 */
export function scopeField(scopes: readonly string[]): { scope?: string } {
  return scopes.length ? { scope: scopes.join(' ') } : {};
}
