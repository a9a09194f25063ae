import { createHash } from 'node:crypto';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestUser, type TestUser } from '../support/test-user.js';
import { apiTokenOf, callAction, proxyCalledEvents } from '../support/plugin-call.js';
import { proxyOf } from '../../src/proxy/index.js';

const MiB = 1024 * 1024;
const BOUND = 6 * MiB;
const TIMEOUT_MS = 3000;

/** `n` bytes of a pattern that shows a lost, doubled or reordered chunk (each 64 KiB block starts with its number). */
function patterned(n: number): Buffer {
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i += 65536) out.write(`block ${i / 65536};`.padEnd(Math.min(65536, n - i), '.'), i);
  return out;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Writes `body` in 64 KiB chunks, waiting for the socket to drain (chunked: no content-length). */
async function writeChunked(res: ServerResponse, body: Buffer): Promise<void> {
  for (let i = 0; i < body.length && !res.destroyed; i += 65536)
    if (!res.write(body.subarray(i, i + 65536))) await new Promise((r) => res.once('drain', r));
}

/** The stand-in API: big bodies, a first chunk held until the test has it, a body that never ends. */
function standIn() {
  let release: () => void = () => {};
  const state = { releasedInTime: false, heldClosed: 0 };
  const server: Server = createServer(async (req, res) => {
    res.on('error', () => {});
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path.startsWith('/big/')) {
      res.writeHead(200, {
        'content-type': 'application/octet-stream',
        etag: '"v1"',
        'last-modified': 'Mon, 07 Dec 2026 09:00:00 GMT',
        'cache-control': 'private, max-age=60',
        'set-cookie': 'session=upstream-secret',
        'www-authenticate': 'Bearer realm="upstream"',
        'x-internal': 'upstream only',
      });
      await writeChunked(res, patterned(Number(path.slice(5))));
      return res.end();
    }
    if (path === '/announced') {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(BOUND + 1) });
      return writeChunked(res, patterned(BOUND + 1)).then(() => res.end());
    }
    if (path === '/first-then-rest') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first chunk\n');
      const released = await Promise.race([
        new Promise<boolean>((r) => (release = () => r(true))),
        new Promise<boolean>((r) => setTimeout(() => r(false), 10_000)),
      ]);
      state.releasedInTime = released;
      return res.end('the rest\n');
    }
    if (path === '/hold') {
      res.once('close', () => state.heldClosed++);
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('a first line and then nothing\n');
      return; // never ends: the client leaves or the deadline passes
    }
    if (path === '/empty') {
      res.writeHead(204, { 'set-cookie': 'a=b' });
      return res.end();
    }
    if (path === '/unchanged') {
      res.writeHead(304, { etag: '"v1"' });
      return res.end();
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{"error":"no such item"}');
  });
  return { server, state, release: () => release() };
}

/** Reads a fetch response's body to the end (or to its error). */
async function readAll(res: Response): Promise<{ body: Buffer; error?: unknown }> {
  const parts: Uint8Array[] = [];
  const reader = res.body!.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { body: Buffer.concat(parts) };
      parts.push(value);
    }
  } catch (error) {
    return { body: Buffer.concat(parts), error };
  }
}

describe('an http plugin streams the upstream’s answer back', () => {
  const upstream = standIn();
  let app: TestApp;
  let user: TestUser;
  let token: string;

  const call = (path: string) =>
    fetch(`${app.url}/proxy/files/get`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ path }),
    });

  /** The `proxy.called` detail of the last call, once written (a streamed call's event comes when its body ended). */
  async function lastEvent(): Promise<{ result: string; detail: Record<string, any> }> {
    for (let i = 0; i < 50; i++) {
      const rows = await proxyCalledEvents(app, user.userId);
      const last = rows.at(-1);
      if (last && rows.length > seen) {
        seen = rows.length;
        return { result: last.result, detail: typeof last.detail === 'string' ? JSON.parse(last.detail) : last.detail };
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('no new proxy.called event');
  }
  let seen = 0;

  beforeAll(async () => {
    await new Promise<void>((r) => upstream.server.listen(0, '127.0.0.1', r));
    const { port } = upstream.server.address() as AddressInfo;
    app = await startTestApp(
      'sqlite',
      { proxyAllowRanges: ['127.0.0.0/8'], proxyMaxResponseBytes: BOUND, proxyTimeoutMs: TIMEOUT_MS },
      [],
      undefined,
      {
        OAUTH3_HTTP_PLUGINS: JSON.stringify([
          {
            id: 'files',
            base_url: `http://127.0.0.1:${port}`,
            scopes: { 'files.read': 'Read the files' },
            routes: [{ action: 'get', methods: ['GET'], paths: ['/**'], scope: 'files.read' }],
          },
        ]),
      },
    );
    user = await createTestUser(app);
    token = await apiTokenOf(app, user, ['files.read']);
    seen = (await proxyCalledEvents(app, user.userId)).length;
  });
  afterAll(async () => {
    await app?.stop();
    upstream.server.closeAllConnections();
    await new Promise((r) => upstream.server.close(r));
  });

  it('relays a 5 MiB body intact, with the headers that may pass and none that may not; the event has the status and bytes', async () => {
    const size = 5 * MiB;
    const res = await call(`/big/${size}`);
    expect(res.status).toBe(200);
    const { body, error } = await readAll(res);
    expect(error).toBeUndefined();
    expect([body.length, sha256(body)]).toEqual([size, sha256(patterned(size))]);
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    expect(res.headers.get('etag')).toBe('"v1"');
    expect(res.headers.get('last-modified')).toBe('Mon, 07 Dec 2026 09:00:00 GMT');
    expect(res.headers.get('cache-control')).toBe('private, max-age=60');
    expect(res.headers.get('oauth3-upstream')).toBe('files');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toBe("sandbox; default-src 'none'");
    for (const name of ['set-cookie', 'www-authenticate', 'x-internal']) expect(res.headers.get(name), name).toBeNull();
    const event = await lastEvent();
    expect(event.result).toBe('success');
    expect(event.detail).toMatchObject({ plugin: 'files', action: 'get', upstream_status: 200, bytes: size, outcome: 'ok' });
  });

  it('relays the upstream’s status and body of a refusal as they are (not the gateway’s error shape)', async () => {
    const res = await callAction(app, 'files/get', token, { path: '/missing' });
    expect([res.status, res.body, res.headers.get('oauth3-upstream')]).toEqual([404, { error: 'no such item' }, 'files']);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect((await lastEvent()).detail).toMatchObject({ upstream_status: 404, bytes: 24 });
  });

  it('relays an answer without a body (204, 304) without one', async () => {
    for (const [path, status] of [
      ['/empty', 204],
      ['/unchanged', 304],
    ] as const) {
      const res = await call(path);
      expect([res.status, await res.text(), res.headers.get('set-cookie')]).toEqual([status, '', null]);
    }
    expect((await call('/unchanged')).headers.get('etag')).toBe('"v1"');
    expect((await lastEvent()).detail).toMatchObject({ upstream_status: 304, bytes: 0, outcome: 'ok' });
  });

  it('answers the first bytes before the upstream has finished', async () => {
    const res = await call('/first-then-rest');
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const first = await reader.read(); // the stand-in holds the rest until this arrived
    expect(Buffer.from(first.value!).toString()).toBe('first chunk\n');
    upstream.release();
    let rest = '';
    for (let r = await reader.read(); !r.done; r = await reader.read()) rest += Buffer.from(r.value).toString();
    expect(rest).toBe('the rest\n');
    expect(upstream.state.releasedInTime).toBe(true);
    expect((await lastEvent()).detail).toMatchObject({ bytes: 21, outcome: 'ok' });
  });

  it('cuts a body past the bound: the client sees an incomplete answer, the event says why', async () => {
    const res = await call(`/big/${BOUND + 2 * 65536}`);
    expect(res.status).toBe(200); // the status was sent before the bound was passed
    const { body, error } = await readAll(res);
    expect(error).toBeDefined();
    expect(body.length).toBeLessThanOrEqual(BOUND);
    const event = await lastEvent();
    expect(event.result).toBe('failure');
    expect(event.detail).toMatchObject({ outcome: 'ERR_PROXY_UPSTREAM_TOO_LARGE', upstream_status: 200 });
    expect(event.detail.bytes).toBeLessThanOrEqual(BOUND);
  });

  it('refuses, before relaying anything, an answer that announces a length past the bound (502 naming the host)', async () => {
    const res = await callAction(app, 'files/get', token, { path: '/announced' });
    expect([res.status, res.body.error, res.headers.get('oauth3-upstream')]).toEqual([502, 'ERR_PROXY_UPSTREAM_TOO_LARGE', null]);
    expect(res.body.message).toMatch(/^127\.0\.0\.1:\d+ answered with more than 6291456 bytes\.$/);
    expect((await lastEvent()).result).toBe('failure');
  });

  it('keeps the deadline while streaming: a body that stops coming is cut when the proxy timeout passes', async () => {
    const started = Date.now();
    const res = await call('/hold');
    expect(res.status).toBe(200);
    const { body, error } = await readAll(res);
    expect(error).toBeDefined();
    expect(body.toString()).toBe('a first line and then nothing\n');
    expect(Date.now() - started).toBeGreaterThanOrEqual(TIMEOUT_MS - 100);
    expect((await lastEvent()).detail).toMatchObject({ outcome: 'ERR_PROXY_UPSTREAM_TIMEOUT', bytes: 30 });
  });

  it('records the call when the client goes away in the middle, and stops the upstream call', async () => {
    const closedBefore = upstream.state.heldClosed;
    // node:http, so that going away closes the connection (fetch's abort may leave a pooled one behind)
    const req = request(`${app.url}/proxy/files/get`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    });
    req.end(JSON.stringify({ path: '/hold' }));
    const res = await new Promise<IncomingMessage>((r) => req.once('response', r));
    expect(res.statusCode).toBe(200);
    await new Promise((r) => res.once('data', r));
    req.destroy();
    const event = await lastEvent();
    expect(event.result).toBe('failure');
    expect(event.detail).toMatchObject({ outcome: 'client_gone', bytes: 30, upstream_status: 200 });
    await expect.poll(() => upstream.state.heldClosed).toBe(closedBefore + 1); // the gateway hung up on the upstream
  });

  it('over MCP (an in-process call) the answer is one bounded value: status, content type and body', async () => {
    const principal = await app.ctx.tokens.verify(token, { kinds: ['api_token'], audience: app.ctx.resources.gatewayUrl });
    const whole = await proxyOf(app.ctx).call({ plugin: 'files', action: 'get', principal, input: { path: '/missing' }, via: 'mcp' });
    expect(whole).toEqual({ status: 404, content_type: 'application/json', body: { error: 'no such item' } });
    const big = proxyOf(app.ctx).call({ plugin: 'files', action: 'get', principal, input: { path: `/big/${BOUND + 65536}` }, via: 'mcp' });
    await expect(big).rejects.toMatchObject({ code: 'ERR_PROXY_UPSTREAM_TOO_LARGE' });
  });
});
