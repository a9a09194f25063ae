import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors/index.js';
import { createUpstreamClient, MAX_RESPONSE_BYTES, UpstreamDispatchers } from '../../src/proxy/upstream-client.js';
import { deadlineSignal } from '../../src/proxy/deadline-signal.js';

/** The upstream client alone, against a loopback server: the SSRF address policy and the answer's bounds. */
describe('the upstream client', () => {
  let server: Server;
  let port: number;
  let hits = 0;
  const open: UpstreamDispatchers[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      hits++;
      if (req.url === '/stall') return; // never answers
      if (req.url === '/big') return res.end('x'.repeat(MAX_RESPONSE_BYTES + 1));
      if (req.url === '/text') return res.end('not json');
      if (req.url === '/big-chunked') {
        // no length announced: read against the bound as it arrives
        for (let i = 0; i < 4; i++) res.write('y'.repeat(MAX_RESPONSE_BYTES / 2));
        return res.end();
      }
      if (req.url === '/cut') {
        // announces more than it sends, then drops the connection
        res.writeHead(200, { 'content-length': '100' }).write('{"partial":');
        return setTimeout(() => res.socket?.destroy(), 20);
      }
      res.end('{"ok":true}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await Promise.all(open.map((d) => d.close()));
    await new Promise((r) => server.close(r));
  });

  const client = (allowRanges: string[], credential?: { accessToken: string }) => {
    const dispatchers = new UpstreamDispatchers(allowRanges);
    open.push(dispatchers);
    return createUpstreamClient({
      dispatchers,
      allowedHosts: [`127.0.0.1:${port}`, `localhost:${port}`, `[::ffff:127.0.0.1]:${port}`],
      credential,
      injectBearer: !!credential,
      timeoutMs: 2000,
      signal: new AbortController().signal,
    });
  };
  const refusal = async (p: Promise<unknown>) => {
    const e = await p.then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(AppError);
    return e as AppError;
  };

  it('refuses loopback by name and by address (IPv4-mapped too) unless the range is allowed, connecting to nothing', async () => {
    const before = hits;
    const strict = client([]);
    for (const url of [
      `http://127.0.0.1:${port}/`,
      `https://localhost:${port}/`,
      `http://localhost:${port}/`,
      `http://[::ffff:127.0.0.1]:${port}/`,
    ]) {
      const e = await refusal(strict.fetch(url));
      expect(e.code, url).toBe('ERR_PROXY_UPSTREAM_HOST');
    }
    expect(hits).toBe(before);
    expect((await client(['127.0.0.0/8']).fetch(`http://localhost:${port}/`)).json()).toEqual({ ok: true });
    expect(hits).toBe(before + 1);
  });

  it('bounds the answer, and says so when it is not JSON', async () => {
    const c = client(['127.0.0.0/8']);
    for (const path of ['/big', '/big-chunked']) {
      const big = await refusal(c.fetch(`http://127.0.0.1:${port}${path}`));
      expect([big.code, big.message], path).toEqual([
        'ERR_PROXY_UPSTREAM_TOO_LARGE',
        `127.0.0.1:${port} answered with more than ${MAX_RESPONSE_BYTES} bytes.`,
      ]);
    }
    const cut = await refusal(c.fetch(`http://127.0.0.1:${port}/cut`));
    expect(cut.code).toBe('ERR_PROXY_UPSTREAM_FAILED');
    expect(cut.message).toMatch(new RegExp(`^127\\.0\\.0\\.1:${port} could not be reached`));
    const text = await c.fetch(`http://127.0.0.1:${port}/text`);
    expect(text.text).toBe('not json');
    expect(() => text.json()).toThrow(`127.0.0.1:${port} answered with something that is not JSON.`);
  });

  it('refuses URLs with credentials or another scheme', async () => {
    const c = client(['127.0.0.0/8']);
    expect((await refusal(c.fetch(`http://user:pw@127.0.0.1:${port}/`))).message).toContain('credentials');
    expect((await refusal(c.fetch(`ftp://127.0.0.1:${port}/`))).code).toBe('ERR_PROXY_UPSTREAM_HOST');
    expect((await refusal(c.fetch('not a url'))).code).toBe('ERR_PROXY_UPSTREAM_HOST');
    expect(() => c.credential()).toThrow('this plugin has no provider');
  });

  it("bounds a fetch by its timeout (504) and stops it when the action's signal aborts (502, not a timeout)", async () => {
    const dispatchers = new UpstreamDispatchers(['127.0.0.0/8']);
    open.push(dispatchers);
    const base = { dispatchers, allowedHosts: [`127.0.0.1:${port}`], injectBearer: false };
    const started = Date.now();
    const slow = createUpstreamClient({ ...base, timeoutMs: 300, signal: new AbortController().signal });
    expect((await refusal(slow.fetch(`http://127.0.0.1:${port}/stall`))).code).toBe('ERR_PROXY_UPSTREAM_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(1500);
    const caller = new AbortController();
    const { signal } = deadlineSignal(caller.signal, 10_000);
    const gone = createUpstreamClient({ ...base, signal });
    const pending = refusal(gone.fetch(`http://127.0.0.1:${port}/stall`));
    setTimeout(() => caller.abort(), 100);
    expect((await pending).code).toBe('ERR_PROXY_UPSTREAM_FAILED');
  });

  it("deadlineSignal aborts with a TimeoutError after its time or with the parent's reason, and not at all once cleared", async () => {
    const timed = deadlineSignal(undefined, 50);
    await new Promise((r) => setTimeout(r, 120));
    expect([timed.signal.aborted, (timed.signal.reason as Error).name]).toEqual([true, 'TimeoutError']);
    const parent = new AbortController();
    const child = deadlineSignal(parent.signal, 10_000);
    parent.abort(new Error('the caller went away'));
    expect((child.signal.reason as Error).message).toBe('the caller went away');
    expect((deadlineSignal(parent.signal, 10_000).signal.reason as Error).message).toBe('the caller went away');
    const other = new AbortController();
    const cleared = deadlineSignal(other.signal, 50);
    cleared.clear();
    other.abort();
    await new Promise((r) => setTimeout(r, 120));
    expect(cleared.signal.aborted).toBe(false);
  });

  it("deadlineSignal given the caller's own controller answers its signal: aborted by the caller or after the time, not once cleared", async () => {
    const caller = new AbortController();
    const timed = deadlineSignal(caller, 50);
    expect(timed.signal).toBe(caller.signal);
    await new Promise((r) => setTimeout(r, 120));
    expect([caller.signal.aborted, (caller.signal.reason as Error).name]).toEqual([true, 'TimeoutError']);
    const gone = new AbortController();
    deadlineSignal(gone, 10_000);
    gone.abort(new Error('the caller went away'));
    expect((gone.signal.reason as Error).message).toBe('the caller went away');
    const other = new AbortController();
    deadlineSignal(other, 50).clear();
    await new Promise((r) => setTimeout(r, 120));
    expect(other.signal.aborted).toBe(false);
  });
});
