// A load of multi-request operations (a passkey ceremony: options, then the answer): each of `connections` loops
// runs one operation after another on its own keep-alive connection (an undici Client) for a bounded time. The
// lean bench/http-load.ts sends one fixed request; an operation here is whatever async function the bench gives.
import { Client } from 'undici';

/** One HTTP answer as an operation sees it. */
export interface Answer {
  status: number;
  /** Set-Cookie values, one per cookie. */
  cookies: string[];
  body: string;
}

/** One keep-alive connection to an origin. */
export class Connection {
  private readonly client: Client;

  constructor(origin: string) {
    this.client = new Client(origin, { pipelining: 1, keepAliveTimeout: 60_000 });
  }

  async send(method: 'GET' | 'POST', path: string, headers: Record<string, string>, body?: string): Promise<Answer> {
    const res = await this.client.request({ method, path, headers, body });
    const setCookie = res.headers['set-cookie'];
    return {
      status: res.statusCode,
      cookies: setCookie === undefined ? [] : Array.isArray(setCookie) ? setCookie : [setCookie],
      body: await res.body.text(),
    };
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

export interface LoopResult {
  /** Operations completed within the time, per second. */
  rate: number;
  ops: number;
  /** 99th percentile of an operation's duration, ms. */
  p99: number;
  /** Operations that returned false or threw (the first error's message in `firstError`). */
  failures: number;
  firstError?: string;
}

/**
 * Runs `op(loop)` in `connections` loops for `seconds` (an operation started before the end is awaited but not
 * counted), or, with `count`, until `count` operations have started (then `rate` is over the time they took).
 */
export async function loopLoad(o: {
  connections: number;
  seconds?: number;
  count?: number;
  op: (loop: number) => Promise<boolean>;
}): Promise<LoopResult> {
  const latencies: number[] = [];
  let failures = 0;
  let firstError: string | undefined;
  let started = 0;
  const t0 = performance.now();
  const deadline = o.seconds === undefined ? Infinity : t0 + o.seconds * 1000;
  let end = t0;
  const loop = async (i: number) => {
    while (performance.now() < deadline && (o.count === undefined || started < o.count)) {
      started++;
      const s = performance.now();
      let ok = false;
      try {
        ok = await o.op(i);
      } catch (e) {
        firstError ??= (e as Error).message;
      }
      const now = performance.now();
      if (now > deadline) break;
      end = now;
      if (ok) latencies.push(now - s);
      else failures++;
    }
  };
  await Promise.all(Array.from({ length: o.connections }, (_, i) => loop(i)));
  const seconds = o.seconds ?? (end - t0) / 1000;
  const sorted = Float64Array.from(latencies).sort();
  const p99 = sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))]! : 0;
  return { rate: latencies.length / seconds, ops: latencies.length, p99, failures, firstError };
}
