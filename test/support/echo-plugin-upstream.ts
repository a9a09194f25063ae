import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the echo upstream received: everything the gateway sent, to check what reached it (and what did not). */
export interface EchoRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A loopback upstream for the proxy's tests: it echoes what it gets and records every request. */
export interface EchoUpstream {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** `127.0.0.1:<port>`: the host a plugin allow-lists. */
  host: string;
  requests: EchoRequest[];
  /** Answers 401 to these bearer tokens (an upstream that stopped honouring them). */
  rejectTokens: Set<string>;
  /** Answers 401 to every request while true. */
  rejectAll: boolean;
  /** Holds each request this long (ms) before answering (0: not). */
  stallMs: number;
  close(): Promise<void>;
}

/**
 * Starts the echo upstream on 127.0.0.1: every request is recorded and answered `200 {"echo": <body as JSON or
 * text>, "path", "authorized": <the bearer it got, or null>}` unless told to refuse (401) or to stall; a request
 * with `?redirect_to=<url>` is answered 302 to that URL.
 */
export async function startEchoUpstream(): Promise<EchoUpstream> {
  const requests: EchoRequest[] = [];
  const up: Omit<EchoUpstream, 'url' | 'host' | 'close'> = { requests, rejectTokens: new Set(), rejectAll: false, stallMs: 0 };
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    requests.push({ method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, body });
    if (up.stallMs) await new Promise((r) => setTimeout(r, up.stallMs));
    if (res.destroyed) return;
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? null;
    const answer = (status: number, o: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(o));
    };
    if (up.rejectAll || (bearer && up.rejectTokens.has(bearer))) return answer(401, { error: 'invalid_token' });
    const to = new URL(req.url ?? '/', 'http://x').searchParams.get('redirect_to');
    if (to) {
      res.writeHead(302, { location: to });
      return res.end();
    }
    let echo: unknown = body;
    try {
      echo = body ? JSON.parse(body) : null;
    } catch {
      // text stays text
    }
    answer(200, { echo, path: req.url, authorized: bearer });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return Object.assign(up as EchoUpstream, {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  });
}
