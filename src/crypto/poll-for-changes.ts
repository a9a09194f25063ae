import { repeatWhileOpen } from '../store/index.js';

/**
 * Every `pollMs`, asks `changed` (one small read) and runs `reload` when it says so; a slow database never stacks
 * polls. How a key ring sees what another instance or the CLI changed. Returns the function that stops it (and
 * waits for a poll in flight).
 */
export function pollForChanges(
  pollMs: number,
  changed: () => Promise<boolean>,
  reload: () => Promise<void>,
  onError: (err: unknown) => void,
): () => Promise<void> {
  return repeatWhileOpen(pollMs, async () => ((await changed()) ? reload() : undefined), onError);
}
