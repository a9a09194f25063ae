import type { Executor } from '../store/index.js';
import type { EventType, Registry } from '../kernel/index.js';

export interface AuditEntry {
  id: string;
  time: number;
  action: string;
  kind: string;
  label: string;
  result: string;
  actor: { type: string; id: string | null };
  target: { type: string | null; id: string | null };
  ip: string | null;
  userAgent: string | null;
  detail: Record<string, unknown>;
}

export interface AuditQuery {
  userId: string;
  /** Filter by kind (of the declared event types). */
  kind?: string;
  /** Cursor: return events older than this id. */
  before?: string;
  limit?: number;
}

/** A person's access log, newest first, paged by cursor and filterable by kind. */
export async function listEvents(
  db: Executor,
  eventTypes: Registry<EventType>,
  q: AuditQuery,
): Promise<{ events: AuditEntry[]; next?: string }> {
  const limit = Math.min(Math.max(q.limit ?? 50, 1), 200);
  let query = db.selectFrom('audit_events').selectAll().where('user_id', '=', q.userId);
  if (q.kind) {
    const actions = eventTypes
      .all()
      .filter((t) => t.kind === q.kind)
      .map((t) => t.action);
    if (actions.length === 0) return { events: [] };
    query = query.where('action', 'in', actions);
  }
  if (q.before) query = query.where('id', '<', q.before);
  const rows = await query
    .orderBy('id', 'desc')
    .limit(limit + 1)
    .execute();
  const events = rows.slice(0, limit).map((r) => {
    const t = eventTypes.get(r.action);
    return {
      id: r.id,
      time: Number(r.created_at),
      action: r.action,
      kind: t?.kind ?? 'other',
      label: t?.label ?? r.action,
      result: r.result,
      actor: { type: r.actor_type, id: r.actor_id },
      target: { type: r.target_type, id: r.target_id },
      ip: r.ip,
      userAgent: r.user_agent,
      detail: JSON.parse(r.detail),
    };
  });
  return { events, next: rows.length > limit ? events[events.length - 1].id : undefined };
}
