/** `seconds` as a person says it: "42 minutes", "3 hours", "2 days", "1 minute". */
function span(seconds: number): string {
  const s = Math.abs(seconds);
  const [n, unit] =
    s < 90
      ? [Math.round(s), 'second']
      : s < 90 * 60
        ? [Math.round(s / 60), 'minute']
        : s < 36 * 3600
          ? [Math.round(s / 3600), 'hour']
          : [Math.round(s / 86400), 'day'];
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

/**
 * A token's expiry in words: "expires in 42 minutes", "expired 3 hours ago; will refresh" (when it has a refresh
 * token), "expired 3 hours ago; log in again" (when it has none).
 */
export function expiryInWords(expiresAt: number, refreshable: boolean, now = Math.floor(Date.now() / 1000)): string {
  const left = expiresAt - now;
  if (left > 0) return `expires in ${span(left)}`;
  return `expired ${span(left)} ago; ${refreshable ? 'will refresh' : 'log in again'}`;
}
