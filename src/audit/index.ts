/** Audit: the durable writer (the context's AuditSink) and the access-log queries. */
export { auditModule } from './audit-module.js';
export { AuditWriter, type AuditWriterOptions, type AuditEventsTable } from './audit-writer.js';
export { listEvents, type AuditEntry, type AuditQuery } from './audit-query.js';
export { scrub, scrubUrl, SECRET_FIELD } from './scrub.js';
