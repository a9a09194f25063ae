import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** Sends raw bytes on a fresh connection and collects everything until the server closes it (bounded). */
function raw(app: TestApp, bytes: string): Promise<string> {
  const { port } = new URL(app.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1');
    let got = '';
    socket.setTimeout(5000, () => socket.destroy(new Error('the server neither answered nor closed the connection in 5 s')));
    socket.on('data', (d) => (got += d));
    socket.on('close', () => resolve(got));
    socket.on('error', (e) => (got ? resolve(got) : reject(e)));
    socket.write(bytes);
  });
}

/** A request Node's HTTP parser refuses gets the gateway's error shape and `Connection: close`, then the socket closes. */
describe('requests the HTTP parser refuses', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.stop());

  it('headers too large: 431 ERR_HEADERS_TOO_LARGE, Connection: close', async () => {
    const answer = await raw(app, `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(70_000)}\r\n\r\n`);
    const [head, body] = answer.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 431 /);
    expect(head.toLowerCase()).toContain('connection: close');
    expect(JSON.parse(body)).toEqual({ error: 'ERR_HEADERS_TOO_LARGE', message: 'The request headers are too large.' });
  });

  it('a malformed request line: 400 ERR_BAD_REQUEST, Connection: close, and nothing after it on that socket', async () => {
    const answer = await raw(app, 'GET /health HTTP/1.1\r\nHost x\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(answer.match(/HTTP\/1\.1 /g)).toHaveLength(1); // the request after the broken one is not answered
    const [head, body] = answer.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 400 /);
    expect(head.toLowerCase()).toContain('connection: close');
    expect(JSON.parse(body).error).toBe('ERR_BAD_REQUEST');
  });

  it('the gateway still answers afterwards', async () => {
    expect((await fetch(`${app.url}/health`)).status).toBe(200);
  });
});
