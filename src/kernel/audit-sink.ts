import type { Executor, WriteStep } from '../store/index.js';

export type EventResult = 'success' | 'failure';
export type ActorType = 'user' | 'client' | 'agent' | 'system' | 'anonymous';

/** One audit event. `action` is an event type a module declared; `detail` is small JSON, scrubbed of secrets. */
export interface AuditEvent {
  action: string;
  result?: EventResult;
  actor: { type: ActorType; id?: string | null };
  /** The person whose account this concerns: their access log shows it. */
  userId?: string | null;
  target?: { type: string; id?: string | null };
  ip?: string | null;
  userAgent?: string | null;
  detail?: Record<string, unknown>;
}

/**
 * Where domains record what happened (implemented by audit/'s AuditWriter). A change and the event that records
 * it commit together: `record` inside the change's transaction, or `step` inside its group-commit unit.
 * `write` stores an event of no change of its own before the answer; `enqueue` batches those that may wait (a
 * token used, a refusal).
 */
export interface AuditSink {
  /** Writes the event with `db` (the open transaction of the change it records). */
  record(db: Executor, event: AuditEvent): Promise<void>;
  /** The write step that stores `event` in a group-commit unit; call `committed` once the unit is written. */
  step(event: AuditEvent): WriteStep;
  /** Tells the metrics of events whose steps were committed. */
  committed(events: readonly AuditEvent[]): void;
  /**
   * Stores an event that records no change of its own but must not be lost once the request is answered (a
   * credential served, an agent's action through the proxy): written in this turn's group commit, resolved when
   * it is durable. If the database cannot take it, it is held and retried like a queued batch (what happened has
   * happened: the caller is still answered).
   */
  write(event: AuditEvent): Promise<void>;
  /** Queues the event for the next batch write (events that may wait: a token used, a refusal). */
  enqueue(event: AuditEvent): void;
  /** Writes everything queued; resolves when stored. */
  flush(): Promise<void>;
}
