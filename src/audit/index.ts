export { AuditWriter, type AuditEventsTable } from './audit-writer.js';
export { listEvents, type AuditEntry, type AuditQuery } from './audit-query.js';
export { eventTypes, type AuditEvent, type EventAction, type EventResult, type ActorType } from './event-types.js';
export { scrub, scrubUrl, SECRET_FIELD } from './scrub.js';
