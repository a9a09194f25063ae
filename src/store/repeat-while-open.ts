/**
 * Runs `task` every `ms` (never two runs at once: a slow database does not stack them) until stopped, errors to
 * `onError`. The returned stop clears the timer and resolves once a run in flight has ended, so background reads
 * (key rings, revocations, resources, shared counts) are done before the database is closed: a run left in flight
 * would otherwise fail on a destroyed pool and log a warning after the process had finished its work.
 */
export function repeatWhileOpen(ms: number, task: () => Promise<unknown>, onError: (err: unknown) => void): () => Promise<void> {
  let running: Promise<void> | undefined;
  let stopped = false;
  const timer = setInterval(() => {
    if (running || stopped) return;
    running = task()
      .then(() => undefined, onError)
      .finally(() => (running = undefined));
  }, ms);
  timer.unref();
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
}
