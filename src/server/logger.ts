import pino, { type Logger } from 'pino';
import { scrub, scrubUrl } from '../audit/index.js';
import { humanStream } from './human-log.js';
import { withLogCopy } from './log-copy.js';

/** The request fields a log line shows: never headers but the user agent, the URL without secret query values. */
export function requestFields(req: { method: string; url: string; ip?: string; headers?: Record<string, unknown> }) {
  return { method: req.method, url: scrubUrl(req.url), ip: req.ip, userAgent: req.headers?.['user-agent'] as string | undefined };
}

/**
 * The pino logger: JSON lines (for log collectors), or human lines when stdout is a terminal. Authorization
 * and Cookie headers are never logged, query strings lose secret-looking values (code, token, state…), and any
 * field named like token/secret/code/password is redacted at any depth.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const out = withLogCopy(level, destination ?? (process.stdout.isTTY ? humanStream() : bufferedStdout()));
  return pino(
    {
      level: out.level,
      redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'], censor: '[redacted]' },
      serializers: {
        req: requestFields,
        err: pino.stdSerializers.err,
      },
      formatters: { log: (obj) => scrub(obj) as Record<string, unknown> },
    },
    out.stream,
  );
}

/**
 * Stdout, written asynchronously and in 4 KiB batches: one write per line costs a system call and a thread-pool
 * hand-off per request on a busy gateway. A line waits at most a second (a timer flushes what is buffered), and
 * pino flushes synchronously on exit. Each write is whole lines of at most PIPE_BUF (4096) bytes, which a pipe
 * writes atomically: the workers of a cluster share stdout, and their lines never cut into each other.
 */
function bufferedStdout(): pino.DestinationStream {
  const out = pino.destination({ dest: 1, sync: false, minLength: 3072, maxWrite: 4096 });
  setInterval(() => out.flush(() => undefined), 1000).unref(); // the callback form never throws (e.g. once stdout is gone)
  return out;
}
