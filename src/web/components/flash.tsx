/** A message box: `role="alert"` for errors so screen readers announce them. */
export function Flash({ kind, message }: { kind: 'error' | 'ok'; message?: string | null }) {
  if (!message) return null;
  return (
    <p class={`flash flash-${kind}`} role={kind === 'error' ? 'alert' : 'status'} data-testid={`flash-${kind}`}>
      {message}
    </p>
  );
}
