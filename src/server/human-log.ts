import type pino from 'pino';
import { START_MESSAGE, startBanner, type StartNotice } from './start-notice.js';

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

/**
 * One pino JSON line as a person reads it on a terminal: `12:00:01 INFO  POST /token 200 3 ms`, or the message
 * with its fields as `key=value`, and an error's type, message and stack below. Lines that are not JSON pass
 * through unchanged. Formats what pino already redacted.
 */
export function humanLine(json: string): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(json);
  } catch {
    return json;
  }
  const {
    level,
    time,
    pid: _pid,
    hostname: _host,
    reqId: _reqId,
    msg,
    req,
    res,
    responseTime,
    err,
    ...fields
  } = o as {
    level: number;
    time: number;
    pid?: number;
    hostname?: string;
    reqId?: string;
    msg?: string;
    responseTime?: number;
    req?: { method?: string; url?: string };
    res?: { statusCode?: number };
    err?: { type?: string; message?: string; stack?: string };
  } & Record<string, unknown>;
  const when = typeof time === 'number' ? new Date(time).toISOString().slice(11, 19) : '--:--:--';
  const head = `${when} ${(LEVELS[level] ?? String(level)).padEnd(5)}`;
  // The start line is what a new user reads first: where to go, where the data and the key are.
  if (msg === START_MESSAGE && typeof fields.open === 'string')
    return `${head} ${startBanner(fields as Partial<StartNotice>).join('\n')}\n`;
  const request = req
    ? [req.method, req.url, res?.statusCode, responseTime === undefined ? undefined : `${Math.round(responseTime)} ms`]
        .filter((x) => x !== undefined)
        .join(' ')
    : undefined;
  const text = msg === 'request completed' && request ? request : [msg, request].filter(Boolean).join(' ');
  const rest = Object.entries(fields)
    .map(([k, v]) => `${k}=${show(v)}`)
    .join(' ');
  const error = err ? `\n  ${err.stack ?? `${err.type ?? 'Error'}: ${err.message ?? ''}`}` : '';
  return `${head} ${text}${rest ? ` ${rest}` : ''}${error}\n`;
}

/** A pino destination writing human lines to `out` (the terminal's stdout by default). */
export function humanStream(out: { write(s: string): unknown } = process.stdout): pino.DestinationStream {
  return { write: (line: string) => void out.write(humanLine(line)) };
}
