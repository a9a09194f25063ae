import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpLoad } from '../../bench/http-load.js';

// The benches' load generator must count and parse what a server really sent: checked against Node's HTTP server
// (Content-Length and chunked answers) and against a raw socket that splits its answers at awkward places.
describe("the benches' HTTP load generator", () => {
  let server: Server;
  let url: string;
  const seen: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        seen.push(body);
        if (body.endsWith('chunked')) {
          res.write('{"n":');
          res.end(`${seen.length}}`);
          return;
        } // no length: chunked
        const status = body.endsWith('fail') ? 400 : 200;
        const out = JSON.stringify({ n: seen.length, echo: body });
        res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) }).end(out);
      });
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/token`;
  });
  afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

  it('sends each request its own body, counts every answer, and hands each body over', async () => {
    seen.length = 0;
    let i = 0;
    const bodies: string[] = [];
    const result = await httpLoad({
      url,
      connections: 4,
      seconds: 0.5,
      headers: { 'content-type': 'text/plain' },
      body: () => `req-${i++}${i % 3 === 0 ? '-chunked' : i % 5 === 0 ? '-fail' : ''}`,
      onResponse: (status, body) => bodies.push(`${status} ${body}`),
    });
    expect(result.requests).toBeGreaterThan(20);
    // Every request the server saw was answered and handed over (those after the time too), each body once.
    expect(bodies.length).toBe(seen.length);
    expect(result.requests).toBeLessThanOrEqual(seen.length);
    expect(new Set(seen).size).toBe(seen.length);
    expect(bodies.filter((b) => b.startsWith('200 {"n":')).length).toBe(bodies.filter((b) => b.startsWith('200')).length);
    expect(bodies.some((b) => /^200 \{"n":\d+\}$/.test(b))).toBe(true); // a chunked answer, joined
    const failed = bodies.filter((b) => b.startsWith('400')).length;
    expect(failed).toBeGreaterThan(0);
    expect(result.non2xx).toBeLessThanOrEqual(failed);
    expect(result.errors).toBe(0);
    expect(result.p99).toBeGreaterThan(0);
  });

  it('paced (rate): sends no more than the rate asks, spread over the connections', async () => {
    seen.length = 0;
    const result = await httpLoad({ url, connections: 4, seconds: 1, rate: 40, headers: {}, body: () => 'paced' });
    // 40 a second for 1 s: at most one slot more per connection than the schedule allows, and far below unpaced
    expect(seen.length).toBeLessThanOrEqual(44);
    expect(result.requests).toBeGreaterThanOrEqual(20);
    expect(result.p99Exact).toBeLessThanOrEqual(result.p99);
  });

  it('parses answers that arrive in pieces, split inside the head and inside the body', async () => {
    const raw: TcpServer = createTcpServer((socket) => {
      socket.on('data', () => {
        const body = '{"ok":true}';
        const answer = `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nCONTENT-LENGTH: ${body.length}\r\n\r\n${body}`;
        socket.write(answer.slice(0, 7));
        setTimeout(() => socket.write(answer.slice(7, answer.length - 4)), 2);
        setTimeout(() => socket.write(answer.slice(answer.length - 4)), 4);
      });
    });
    await new Promise<void>((ok) => raw.listen(0, '127.0.0.1', ok));
    try {
      const bodies: string[] = [];
      const result = await httpLoad({
        url: `http://127.0.0.1:${(raw.address() as { port: number }).port}/x`,
        connections: 2,
        seconds: 0.2,
        headers: {},
        body: () => 'x',
        onResponse: (status, body) => bodies.push(`${status} ${body}`),
      });
      expect(result.requests).toBeGreaterThan(2);
      expect(new Set(bodies)).toEqual(new Set(['200 {"ok":true}']));
    } finally {
      raw.close();
    }
  });
});
