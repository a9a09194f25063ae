import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/server/index.js';
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
