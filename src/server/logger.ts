import pino, { type Logger } from 'pino';
import { scrub, scrubUrl } from '../audit/index.js';

/**
 * The pino logger. Authorization and Cookie headers are never logged, query strings lose secret-looking
 * values (code, token, state…), and any field named like token/secret/code/password is redacted at any depth.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'], censor: '[redacted]' },
      serializers: {
        req: (req: { method: string; url: string; ip?: string; headers?: Record<string, unknown> }) => ({
          method: req.method,
          url: scrubUrl(req.url),
          ip: req.ip,
          userAgent: req.headers?.['user-agent'],
        }),
        err: pino.stdSerializers.err,
      },
      formatters: { log: (obj) => scrub(obj) as Record<string, unknown> },
    },
    // Default: stdout, written asynchronously (lines logged while a write is under way go out together in the
    // next one, instead of one blocking write per line on the request path); flushed on exit.
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
