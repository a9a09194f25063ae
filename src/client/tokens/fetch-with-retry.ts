/** How {@link fetchWithRetry} retries. */
export interface RetryOptions {
  /** Retries after the first attempt; default 3. */
  retries?: number;
  /** The first backoff (ms), doubled each retry, with full jitter; default 250. */
  baseMs?: number;
  /** The longest backoff (ms); default 5000. */
  maxMs?: number;
  /** The longest wait a `Retry-After` may ask for (ms); default 30 000 (a longer one is waited for this long). */
  maxRetryAfterMs?: number;
  /** Retry a request whose method is not idempotent (POST, PATCH): only when sending it twice is harmless. */
  retryNonIdempotent?: boolean;
  fetch?: typeof fetch;
  /** For tests: how to wait. */
  sleep?: (ms: number) => Promise<void>;
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

/** The wait a `Retry-After` header asks for (RFC 9110 §10.2.3: seconds or an HTTP date), in ms, or undefined. */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** True for an answer worth asking again: 429 and every 5xx but 501 (Not Implemented) and 505. */
const retryableStatus = (s: number) => s === 429 || (s >= 500 && s !== 501 && s !== 505);

/**
 * `fetch` that retries network errors, 429 and 5xx with exponential backoff and full jitter, waiting what
 * `Retry-After` asks (capped by `maxRetryAfterMs`) when the server says. Only requests that may be sent twice are
 * retried: idempotent methods (GET, HEAD, OPTIONS, TRACE, PUT, DELETE), a request with an `Idempotency-Key` header,
 * or any when `retryNonIdempotent` is set; a body that is a stream is never sent twice. The last answer (or
 * network error) is what the caller gets. A request aborted by the caller's signal is not retried.
 */
export async function fetchWithRetry(input: string | URL | Request, init: RequestInit = {}, o: RetryOptions = {}): Promise<Response> {
  const base = o.fetch ?? fetch;
  const retries = o.retries ?? 3;
  const baseMs = o.baseMs ?? 250;
  const maxMs = o.maxMs ?? 5000;
  const maxRetryAfterMs = o.maxRetryAfterMs ?? 30_000;
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const method = (init.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
  const headers = new Headers(init.headers ?? (input instanceof Request ? input.headers : undefined));
  const streamBody = init.body instanceof ReadableStream || (input instanceof Request && input.body !== null && init.body === undefined);
  const mayRepeat = !streamBody && (IDEMPOTENT.has(method) || headers.has('idempotency-key') || o.retryNonIdempotent === true);
  for (let attempt = 0; ; attempt++) {
    const backoff = () => Math.random() * Math.min(maxMs, baseMs * 2 ** attempt);
    const last = !mayRepeat || attempt >= retries;
    let res: Response;
    try {
      res = await base(input instanceof Request ? input.clone() : input, init);
    } catch (e) {
      if (last || init.signal?.aborted) throw e;
      await sleep(backoff());
      continue;
    }
    if (last || !retryableStatus(res.status)) return res;
    const asked = retryAfterMs(res.headers.get('retry-after'));
    await res.body?.cancel().catch(() => {});
    await sleep(asked === undefined ? backoff() : Math.min(asked, maxRetryAfterMs));
  }
}
