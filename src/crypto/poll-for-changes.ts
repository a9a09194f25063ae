/**
 * Every `pollMs`, asks `changed` (one small read) and runs `reload` when it says so; a slow database never stacks
 * polls. How a key ring sees what another instance or the CLI changed. Returns the function that stops it.
 */
export function pollForChanges(
  pollMs: number,
  changed: () => Promise<boolean>,
  reload: () => Promise<void>,
  onError: (err: unknown) => void,
): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    changed()
      .then((c) => (c ? reload() : undefined))
      .catch(onError)
      .finally(() => (running = false));
  }, pollMs);
  timer.unref();
  return () => clearInterval(timer);
}
