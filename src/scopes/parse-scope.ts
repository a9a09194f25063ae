/** Splits an RFC 6749 §3.3 scope string (space-delimited, no duplicates kept). */
export function parseScope(scope: string | undefined): string[] {
  return [...new Set((scope ?? '').split(' ').filter(Boolean))];
}
