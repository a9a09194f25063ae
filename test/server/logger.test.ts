import { Writable } from 'node:stream';
import { hostname } from 'node:os';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/server/index.js';
import { humanLine, humanStream } from '../../src/server/human-log.js';
import { RequestLog } from '../../src/server/request-log.js';
import { scrubUrl } from '../../src/audit/index.js';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { lines, log: createLogger('info', stream as never) };
}

describe('log redaction', () => {
  it('redacts fields named like token, secret, code or password at any depth', () => {
    const { lines, log } = capture();
    log.info(
      {
        access_token: 'AT-123',
        client: { client_secret: 'CS-456', name: 'ok' },
        code: 'C-789',
        password: 'P-0',
        list: [{ refresh_token: 'RT-1' }],
      },
      'hello',
    );
    const out = lines.join('');
    for (const secret of ['AT-123', 'CS-456', 'C-789', 'P-0', 'RT-1']) expect(out).not.toContain(secret);
    expect(JSON.parse(out)).toMatchObject({ client: { name: 'ok', client_secret: '[redacted]' }, msg: 'hello' });
  });

  it('never logs Authorization or Cookie headers, and hides secret query values', () => {
    const { lines, log } = capture();
    log.info(
      {
        req: {
          method: 'GET',
          url: '/cb?code=C-1&state=S-1&nonce=N-1&x=1',
          headers: { authorization: 'Bearer T-1', cookie: 'oauth3_session=J-1', 'user-agent': 'ua' },
        },
      },
      'incoming',
    );
    const out = lines.join('');
    for (const secret of ['C-1', 'S-1', 'N-1', 'T-1', 'J-1']) expect(out).not.toContain(secret);
    expect(JSON.parse(out).req).toEqual({
      method: 'GET',
      url: '/cb?code=%5Bredacted%5D&state=%5Bredacted%5D&nonce=%5Bredacted%5D&x=1',
      userAgent: 'ua',
    });
  });

  it('leaves URLs without secrets alone', () => {
    expect(scrubUrl('/health')).toBe('/health');
    expect(scrubUrl('/a?page=2')).toBe('/a?page=2');
  });
});

describe('human log lines (stdout is a terminal)', () => {
  it('shows a request as method, path, status and time, other lines as message and fields, errors with their stack', () => {
    const time = Date.UTC(2026, 0, 2, 3, 4, 5);
    expect(
      humanLine(
        JSON.stringify({
          level: 30,
          time,
          pid: 1,
          hostname: 'h',
          reqId: 'req-1',
          req: { method: 'POST', url: '/token', ip: '127.0.0.1' },
          res: { statusCode: 200 },
          responseTime: 2.6,
          msg: 'request completed',
        }),
      ),
    ).toBe('03:04:05 INFO  POST /token 200 3 ms\n');
    expect(
      humanLine(JSON.stringify({ level: 40, time, msg: 'generated a new master key', path: 'data/master.key', applied: ['0001'] })),
    ).toBe('03:04:05 WARN  generated a new master key path=data/master.key applied=["0001"]\n');
    expect(
      humanLine(
        JSON.stringify({
          level: 50,
          time,
          msg: 'request errored',
          req: { method: 'GET', url: '/x' },
          res: { statusCode: 500 },
          responseTime: 1,
          err: { type: 'Error', message: 'boom', stack: 'Error: boom\n    at f' },
        }),
      ),
    ).toBe('03:04:05 ERROR request errored GET /x 500 1 ms\n  Error: boom\n    at f\n');
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

describe('the request line', () => {
  it('is the line pino writes for the request: level, time, bindings, request fields (secrets scrubbed), status, time taken', async () => {
    const { lines, log } = capture();
    const app = Fastify({ loggerInstance: log as never, logController: new RequestLog() });
    app.get('/cb', async () => 'ok');
    await app.ready();
    await app.inject({
      url: '/cb?code=C-1&x=1',
      headers: { 'user-agent': 'ua "quoted"', authorization: 'Bearer T-1', cookie: 'oauth3_session=J-1' },
    });
    await app.close();
    const line = lines.find((l) => l.includes('request completed'))!;
    for (const secret of ['C-1', 'T-1', 'J-1']) expect(line).not.toContain(secret);
    const parsed = JSON.parse(line);
    expect(parsed).toEqual({
      level: 30,
      time: expect.any(Number),
      pid: process.pid,
      hostname: hostname(),
      reqId: expect.stringMatching(/^req-/),
      req: { method: 'GET', url: '/cb?code=%5Bredacted%5D&x=1', ip: '127.0.0.1', userAgent: 'ua "quoted"' },
      res: { statusCode: 200 },
      responseTime: expect.any(Number),
      msg: 'request completed',
    });
    expect(Math.abs(parsed.time - Date.now())).toBeLessThan(5000);
    // The same fields through pino's own path give the same line but for the times (`res` is a reply object there).
    const reply = new (class Reply {
      statusCode = 200;
    })();
    log.child({ reqId: parsed.reqId }).info(
      {
        req: { method: 'GET', url: '/cb?code=C-1&x=1', ip: '127.0.0.1', headers: { 'user-agent': 'ua "quoted"' } },
        res: reply,
        responseTime: parsed.responseTime,
      },
      'request completed',
    );
    expect({ ...JSON.parse(lines.at(-1)!), time: parsed.time }).toEqual(parsed);
  });

  it('is not written below the info level', async () => {
    const lines: string[] = [];
    const log = createLogger(
      'warn',
      new Writable({
        write(chunk, _enc, cb) {
          lines.push(String(chunk));
          cb();
        },
      }) as never,
    );
    const app = Fastify({ loggerInstance: log as never, logController: new RequestLog() });
    app.get('/x', async () => 'ok');
    await app.inject({ url: '/x' });
    await app.close();
    expect(lines).toEqual([]);
  });
});
