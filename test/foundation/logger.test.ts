import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/server/index.js';
import { humanLine, humanStream } from '../../src/server/human-log.js';
import { scrubUrl } from '../../src/audit/index.js';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({ write(chunk, _enc, cb) { lines.push(String(chunk)); cb(); } });
  return { lines, log: createLogger('info', stream as never) };
}

describe('log redaction', () => {
  it('redacts fields named like token, secret, code or password at any depth', () => {
    const { lines, log } = capture();
    log.info({ access_token: 'AT-123', client: { client_secret: 'CS-456', name: 'ok' }, code: 'C-789', password: 'P-0', list: [{ refresh_token: 'RT-1' }] }, 'hello');
    const out = lines.join('');
    for (const secret of ['AT-123', 'CS-456', 'C-789', 'P-0', 'RT-1']) expect(out).not.toContain(secret);
    expect(JSON.parse(out)).toMatchObject({ client: { name: 'ok', client_secret: '[redacted]' }, msg: 'hello' });
  });

  it('never logs Authorization or Cookie headers, and hides secret query values', () => {
    const { lines, log } = capture();
    log.info({ req: { method: 'GET', url: '/cb?code=C-1&state=S-1&x=1', headers: { authorization: 'Bearer T-1', cookie: 'oauth3_session=J-1', 'user-agent': 'ua' } } }, 'incoming');
    const out = lines.join('');
    for (const secret of ['C-1', 'S-1', 'T-1', 'J-1']) expect(out).not.toContain(secret);
    expect(JSON.parse(out).req).toEqual({ method: 'GET', url: '/cb?code=%5Bredacted%5D&state=%5Bredacted%5D&x=1', userAgent: 'ua' });
  });

  it('leaves URLs without secrets alone', () => {
    expect(scrubUrl('/health')).toBe('/health');
    expect(scrubUrl('/a?page=2')).toBe('/a?page=2');
  });
});

describe('human log lines (stdout is a terminal)', () => {
  it('shows a request as method, path, status and time, other lines as message and fields, errors with their stack', () => {
    const time = Date.UTC(2026, 0, 2, 3, 4, 5);
    expect(humanLine(JSON.stringify({ level: 30, time, pid: 1, hostname: 'h', reqId: 'req-1', req: { method: 'POST', url: '/token', ip: '127.0.0.1' }, res: { statusCode: 200 }, responseTime: 2.6, msg: 'request completed' })))
      .toBe('03:04:05 INFO  POST /token 200 3 ms\n');
    expect(humanLine(JSON.stringify({ level: 40, time, msg: 'generated a new master key', path: 'data/master.key', applied: ['0001'] })))
      .toBe('03:04:05 WARN  generated a new master key path=data/master.key applied=["0001"]\n');
    expect(humanLine(JSON.stringify({ level: 50, time, msg: 'request errored', req: { method: 'GET', url: '/x' }, res: { statusCode: 500 }, responseTime: 1, err: { type: 'Error', message: 'boom', stack: 'Error: boom\n    at f' } })))
      .toBe('03:04:05 ERROR request errored GET /x 500 1 ms\n  Error: boom\n    at f\n');
    expect(humanLine('not json\n')).toBe('not json\n');
  });

  it('formats what pino redacted: no secret reaches the terminal either', () => {
    const lines: string[] = [];
    const log = createLogger('info', humanStream({ write: (s: string) => lines.push(s) }));
    log.info({ client_secret: 'CS-1', req: { method: 'GET', url: '/cb?code=C-1', headers: { authorization: 'Bearer T-1' } } }, 'incoming');
    expect(lines).toHaveLength(1);
    for (const secret of ['CS-1', 'C-1', 'T-1']) expect(lines[0]).not.toContain(secret);
    expect(lines[0]).toMatch(/INFO  incoming GET \/cb\?code=%5Bredacted%5D client_secret=\[redacted\]\n$/);
  });
});
