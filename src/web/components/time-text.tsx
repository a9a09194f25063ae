/** A timestamp shown as UTC text in a <time> element (machine-readable datetime attribute). */
export function TimeText({ ms }: { ms: number | null }) {
  if (ms === null) return <span class="muted">never</span>;
  const iso = new Date(ms).toISOString();
  return <time datetime={iso}>{iso.slice(0, 19).replace('T', ' ')} UTC</time>;
}
