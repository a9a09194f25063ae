import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A loopback stand-in in front of a server: forwards every request, counts refresh grants; `answer` may replace an answer. */
export interface CountingProxy {
  url: string;
  refreshes: number;
  requests: number;
  close(): Promise<void>;
}

export async function countingProxy(
  target: string,
  answer?: (path: string, body: string) => { status: number; headers?: Record<string, string>; body: string } | undefined,
): Promise<CountingProxy> {
  const proxy: CountingProxy = { url: '', refreshes: 0, requests: 0, close: async () => {} };
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString();
    proxy.requests++;
    if (new URLSearchParams(body).get('grant_type') === 'refresh_token') proxy.refreshes++;
    const own = answer?.(req.url!, body);
    if (own) {
      res.writeHead(own.status, { 'content-type': 'application/json', ...own.headers }).end(own.body);
      return;
    }
    const headers: Record<string, string> = {};
    for (const k of ['content-type', 'authorization']) if (req.headers[k]) headers[k] = String(req.headers[k]);
    const up = await fetch(`${target}${req.url}`, { method: req.method, headers, body: req.method === 'GET' ? undefined : body });
    res.writeHead(up.status, { 'content-type': up.headers.get('content-type') ?? 'text/plain' }).end(Buffer.from(await up.arrayBuffer()));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () => new Promise((r) => server.close(() => r()));
  return proxy;
}
