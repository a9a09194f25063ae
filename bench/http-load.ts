// A lean HTTP/1.1 load generator for the benches: keep-alive connections over loopback, one request in flight on
// each, for a bounded time. It exists because the servers under test and the load generator share this machine's
// cores: autocannon spends enough CPU per request that a server using every core (a cluster) loses it while one
// using one core barely notices. This one spends a fraction of that (bench/token-endpoint.bench.ts prints the load
// generator's CPU per request on every line; figures in bench/README.md). It speaks only what the benches need: POST with a
// Content-Length, responses with a Content-Length or chunked, no pipelining, no TLS.
import { connect, type Socket } from 'node:net';

export interface LoadOptions {
  /** The target URL: http://host:port/path. */
  url: string;
  connections: number;
  seconds: number;
  /** Extra request headers (Host and Content-Length are added). */
  headers: Record<string, string>;
  /** The body of the next request (called once per request, so each can differ). */
  body: () => string;
  /** Every response, with its status and body (also those that complete after the time is up). */
  onResponse?: (status: number, body: string) => void;
  /**
   * Requests per second in all (spread over the connections, each sending on its own schedule); without it, each
   * connection sends its next request as soon as the last one is answered (the most the server gives). A
   * connection that falls behind sends at once and does not catch up in a burst.
   */
  rate?: number;
}

export interface LoadResult {
  /** Responses completed within the time, per second. */
  rps: number;
  requests: number;
  /** 99th percentile latency in ms (rounded up, as autocannon reports it). */
  p99: number;
  /** The same, not rounded. */
  p99Exact: number;
  non2xx: number;
  errors: number;
}

/** How long in-flight requests may take to finish once the time is up, before their connections are dropped. */
const DRAIN_MS = 10_000;

/** One parsed response at the head of `buf`, or undefined while it is incomplete. */
function parseResponse(buf: string): { status: number; body: string; length: number } | undefined {
  const headerEnd = buf.indexOf('\r\n\r\n');
  if (headerEnd === -1) return undefined;
  const status = Number(buf.slice(9, 12));
  const head = buf.slice(0, headerEnd + 2).toLowerCase();
  const start = headerEnd + 4;
  const length = /\r\ncontent-length:\s*(\d+)\s*\r\n/.exec(head);
  if (length) {
    const end = start + Number(length[1]);
    return buf.length < end ? undefined : { status, body: buf.slice(start, end), length: end };
  }
  if (!/\r\ntransfer-encoding:\s*chunked\s*\r\n/.test(head))
    throw new Error(`a response with neither Content-Length nor chunked: ${head.slice(0, 200)}`);
  let body = '';
  let at = start;
  for (;;) {
    const lineEnd = buf.indexOf('\r\n', at);
    if (lineEnd === -1) return undefined;
    const size = parseInt(buf.slice(at, lineEnd), 16);
    if (size === 0) return buf.length < lineEnd + 4 ? undefined : { status, body, length: lineEnd + 4 }; // no trailers
    if (buf.length < lineEnd + 2 + size + 2) return undefined;
    body += buf.slice(lineEnd + 2, lineEnd + 2 + size);
    at = lineEnd + 2 + size + 2;
  }
}

/**
 * Runs the load for `seconds`, then lets the requests in flight finish (their responses reach `onResponse` but
 * are not counted), and resolves. A connection the server closes is opened again while there is time.
 */
export async function httpLoad(o: LoadOptions): Promise<LoadResult> {
  const url = new URL(o.url);
  const fixed = `POST ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\n${Object.entries(o.headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')}`;
  const latencies: number[] = [];
  let non2xx = 0;
  let errors = 0;
  const deadline = performance.now() + o.seconds * 1000;
  const sockets = new Set<Socket>();
  const interval = o.rate ? (o.connections / o.rate) * 1000 : 0;

  const connection = () =>
    new Promise<void>((done) => {
      let buf = '';
      let sentAt = 0;
      let nextAt = performance.now() + Math.random() * interval; // paced connections start spread out
      const open = () => {
        buf = '';
        const socket = connect(Number(url.port), url.hostname);
        sockets.add(socket);
        const send = () => {
          const body = o.body();
          sentAt = performance.now();
          socket.write(`${fixed}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`, 'latin1');
        };
        /** The next request: at once, or at this connection's next slot when paced (`rate`). */
        const next = () => {
          if (!interval) return send();
          const now = performance.now();
          const wait = nextAt - now;
          nextAt = Math.max(nextAt, now) + interval;
          if (wait > 0) setTimeout(() => (performance.now() < deadline ? send() : socket.end()), wait);
          else send();
        };
        socket.setNoDelay(true);
        socket.setEncoding('latin1');
        socket.on('connect', next);
        socket.on('data', (chunk: string) => {
          buf += chunk;
          const res = parseResponse(buf);
          if (!res) return;
          const now = performance.now();
          buf = buf.slice(res.length);
          if (now <= deadline) {
            latencies.push(now - sentAt);
            if (res.status < 200 || res.status > 299) non2xx++;
          }
          o.onResponse?.(res.status, res.body);
          if (now < deadline) next();
          else socket.end();
        });
        socket.on('error', () => {
          errors++;
        });
        socket.on('close', () => {
          sockets.delete(socket);
          if (performance.now() < deadline)
            setTimeout(open, 1); // the server (or an error) closed it: go on with a new one
          else done();
        });
      };
      open();
    });

  let drainTimer: NodeJS.Timeout | undefined;
  const drained = new Promise<void>((ok) => {
    drainTimer = setTimeout(
      () => {
        for (const s of sockets) s.destroy();
        ok();
      },
      o.seconds * 1000 + DRAIN_MS,
    );
  });
  await Promise.race([Promise.all(Array.from({ length: o.connections }, connection)), drained]);
  clearTimeout(drainTimer);
  const sorted = Float64Array.from(latencies).sort();
  const p99Exact = sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))]! : 0;
  return { rps: latencies.length / o.seconds, requests: latencies.length, p99: Math.ceil(p99Exact), p99Exact, non2xx, errors };
}
