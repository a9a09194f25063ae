import { join } from 'node:path';
import pino from 'pino';

/**
 * The test suite's hook (not an option): when OAUTH3_LOG_COPY names a directory, every logger of the process also
 * writes every line at info or finer, exactly as it would log it (scrubbed, redacted), to `<pid>.log` there, so
 * that the suite's log scan (test/support/log-scan.ts) reads every line every gateway of the run wrote.
 */
export const LOG_COPY_VARIABLE = 'OAUTH3_LOG_COPY';

let copy: pino.DestinationStream | undefined; // one file per process, shared by its loggers

/** The level and stream a logger of `level` writing to `main` uses: `main` itself unless OAUTH3_LOG_COPY is set. */
export function withLogCopy(level: string, main: pino.DestinationStream): { level: string; stream: pino.DestinationStream } {
  const dir = process.env[LOG_COPY_VARIABLE];
  if (!dir) return { level, stream: main };
  copy ??= pino.destination({ dest: join(dir, `${process.pid}.log`), append: true, mkdir: true, sync: true });
  const to = copy;
  const mainLevel = level === 'silent' ? Infinity : (pino.levels.values[level] ?? 30);
  const flushable = main as pino.DestinationStream & { flush?(cb?: (e?: Error) => void): void; flushSync?(): void };
  const stream = {
    flush: (cb?: (e?: Error) => void) => (flushable.flush ? flushable.flush(cb) : cb?.()),
    flushSync: () => flushable.flushSync?.(),
    write(line: string) {
      to.write(line);
      // Lines start {"level":NN (pino's own and the request log's): main gets those of its own level.
      if (Number(/^\{"level":(\d+)/.exec(line)?.[1] ?? 60) >= mainLevel) main.write(line);
    },
  };
  return { level: mainLevel <= 30 ? level : 'info', stream };
}
