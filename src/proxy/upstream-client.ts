import { isIP } from 'node:net';
import { Agent, request, type Dispatcher } from 'undici';
import { addressAllowed, addressInRanges, guardedLookup } from '../kernel/index.js';
import { AppError } from '../errors/index.js';
import type { UpstreamClient, UpstreamCredential, UpstreamRequest, UpstreamResponse, UpstreamStream } from './plugin.js';
import { proxyErrors } from './proxy-errors.js';
import { checkedHeaders } from './checked-headers.js';
import { deadlineSignal } from './deadline-signal.js';

/** The default bound of an upstream answer (bytes), read whole or streamed: OAUTH3_PROXY_MAX_RESPONSE_BYTES sets it. */
export const MAX_RESPONSE_BYTES = 1024 * 1024;

/** Thrown inside a handler when the upstream answered 401: the host refreshes the credential and runs the action again once. */
export class UpstreamUnauthorized extends Error {
  override name = 'UpstreamUnauthorized';
  constructor(readonly host: string) {
    super(`${host} refused the credential (401)`);
  }
}

/** Thrown by the guarded lookup: the host resolves to an address the SSRF policy refuses. */
class AddressRefused extends Error {
  override name = 'AddressRefused';
}

/**
 * The two connection pools of the proxy (one per app): https may reach public unicast addresses and the configured
 * ranges (OAUTH3_PROXY_ALLOW_RANGES); plain http only those ranges. Both resolve through the guarded lookup, so what
 * is connected to is what was checked.
 */
export class UpstreamDispatchers {
  readonly https: Dispatcher;
  readonly http: Dispatcher;
  constructor(readonly allowRanges: readonly string[]) {
    const refused = (hostname: string) => new AddressRefused(`${hostname} resolves to an address the proxy may not reach`);
    this.https = new Agent({ connect: { lookup: guardedLookup((a) => addressAllowed(a, allowRanges), refused) } });
    this.http = new Agent({ connect: { lookup: guardedLookup((a) => addressInRanges(a, allowRanges), refused) } });
  }

  close(): Promise<void> {
    return Promise.all([this.https.close(), this.http.close()]).then(() => undefined);
  }
}

/** What an upstream client is built from (one per action call). */
export interface UpstreamClientOptions {
  dispatchers: UpstreamDispatchers;
  /** The hosts (`host` or `host:port`, lower case) the plugin allow-listed. */
  allowedHosts: readonly string[];
  /** The person's credential, if the plugin has a provider. */
  credential?: UpstreamCredential;
  /** Inject `Authorization: Bearer <accessToken>` (OAuth providers). */
  injectBearer: boolean;
  /** The largest answer read or relayed (bytes; default MAX_RESPONSE_BYTES). */
  maxResponseBytes?: number;
  /** Ms one fetch may take, when `signal` does not already carry the call's deadline (the host's does: see deadlineSignal). */
  timeoutMs?: number;
  /** The action's signal (the caller went away, or the call's time passed). */
  signal: AbortSignal;
  /** Told each upstream status (the audit event records the last). */
  onStatus?(status: number): void;
  /** Told when the upstream refused the credential (401), before UpstreamUnauthorized is thrown. */
  onUnauthorized?(host: string): void;
}

/**
 * The upstream client a handler gets (see UpstreamClient): checks the URL (https, or http to an allowed range; a host
 * the plugin allow-listed; no credentials in it), the headers (no CR/LF/NUL, never authorization, cookie or host),
 * injects the credential, bounds the call (timeout, answer size, also while a streamed answer is read) and turns failures into errors that name the host:
 * 502 unreachable, 504 timed out. A 401 to a credential throws UpstreamUnauthorized, which the host handles.
 */
export function createUpstreamClient(o: UpstreamClientOptions): UpstreamClient {
  const allowed = new Set(o.allowedHosts.map((h) => h.toLowerCase()));
  const max = o.maxResponseBytes ?? MAX_RESPONSE_BYTES;
  return {
    credential() {
      if (!o.credential) throw new Error('this plugin has no provider: there is no credential');
      return o.credential;
    },
    async fetch(rawUrl: string, init: UpstreamRequest = {}): Promise<UpstreamResponse> {
      const { res, host, signal, done } = await send(o, allowed, rawUrl, init);
      let text: string;
      try {
        text = await wholeText(res, host, signal, max);
      } finally {
        done();
      }
      return {
        status: res.statusCode,
        headers: res.headers,
        text,
        json<T>(): T {
          try {
            return JSON.parse(text) as T;
          } catch {
            throw new AppError(proxyErrors.ERR_PROXY_UPSTREAM_FAILED, `${host} answered with something that is not JSON.`, { host });
          }
        },
      };
    },
    async stream(rawUrl: string, init: UpstreamRequest = {}): Promise<UpstreamStream> {
      const { res, host, signal, done } = await send(o, allowed, rawUrl, init);
      const announced = Number(res.headers['content-length']);
      if (Number.isFinite(announced) && announced > max) {
        discard(res.body);
        done();
        throw tooLarge(host, max);
      }
      return {
        status: res.statusCode,
        headers: res.headers,
        body: (async function* () {
          try {
            yield* bounded(res, host, signal, max);
          } finally {
            done();
          }
        })(),
      };
    },
  };
}

/** One checked request: the URL, the headers, the credential, the call's bound; a 401 to the credential throws UpstreamUnauthorized. */
async function send(
  o: UpstreamClientOptions,
  allowed: ReadonlySet<string>,
  rawUrl: string,
  init: UpstreamRequest,
): Promise<{ res: Dispatcher.ResponseData<unknown>; host: string; signal: AbortSignal; done(): void }> {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new AppError(proxyErrors.ERR_PROXY_UPSTREAM_HOST, 'The plugin asked for a URL that is not valid; nothing was sent.');
  }
  const host = url.host.toLowerCase();
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new AppError(proxyErrors.ERR_PROXY_UPSTREAM_HOST, `The plugin asked for a ${url.protocol} URL; nothing was sent.`);
  if (url.username || url.password)
    throw new AppError(proxyErrors.ERR_PROXY_UPSTREAM_HOST, 'The plugin asked for a URL with credentials in it; nothing was sent.');
  if (!allowed.has(host))
    throw new AppError(
      proxyErrors.ERR_PROXY_UPSTREAM_HOST,
      `The plugin asked for ${safeHost(host)}, which is not one of its upstream hosts; nothing was sent.`,
      { host: safeHost(host) },
    );
  const literal = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(literal)) {
    const ok =
      url.protocol === 'https:' ? addressAllowed(literal, o.dispatchers.allowRanges) : addressInRanges(literal, o.dispatchers.allowRanges);
    if (!ok)
      throw new AppError(proxyErrors.ERR_PROXY_UPSTREAM_HOST, `${host} is an address the proxy may not reach; nothing was sent.`, {
        host,
      });
  }
  const headers = checkedHeaders(init);
  if (o.injectBearer && o.credential?.accessToken) headers.authorization = `Bearer ${o.credential.accessToken}`;
  const deadline = o.timeoutMs === undefined ? undefined : deadlineSignal(o.signal, o.timeoutMs);
  const signal = deadline?.signal ?? o.signal;
  const done = () => deadline?.clear();
  const body = init.json !== undefined ? JSON.stringify(init.json) : init.body;
  let res: Dispatcher.ResponseData<unknown>;
  try {
    res = await request(url, {
      method: init.method ?? (body === undefined ? 'GET' : 'POST'),
      headers,
      body,
      signal,
      // undici's request follows no redirect (a handler sees the 3xx and may follow it, checked again)
      dispatcher: url.protocol === 'https:' ? o.dispatchers.https : o.dispatchers.http,
    });
  } catch (e) {
    done();
    throw failure(e, host, signal);
  }
  o.onStatus?.(res.statusCode);
  // The person's credential was refused: the host refreshes it and runs the action again (told even if a
  // handler catches this). Without a credential a 401 is just an answer.
  if (res.statusCode === 401 && o.credential) {
    discard(res.body);
    done();
    o.onUnauthorized?.(host);
    throw new UpstreamUnauthorized(host);
  }
  return { res, host, signal, done };
}

/**
 * Drops an answer's body unread and frees its connection. undici's body emits an AbortError when destroyed: with no
 * listener that is an uncaught exception of the process, so it is listened to (and ignored: nothing waits for it).
 */
function discard(body: Dispatcher.ResponseData['body']): void {
  body.on('error', () => {});
  body.destroy();
}

/** A host name as it may appear in a message (it came from a plugin, maybe from input). */
function safeHost(host: string): string {
  return /^[a-z0-9.\-:[\]]{1,255}$/.test(host) ? host : 'a host with unusual characters';
}

/**
 * The whole answer as text, at most `max` bytes. An answer that announces its length (undici holds it to that
 * length) is read in one go when it fits, and refused at once when it does not; any other is read chunk by chunk
 * against the bound.
 */
async function wholeText(res: Dispatcher.ResponseData<unknown>, host: string, signal: AbortSignal, max: number): Promise<string> {
  const announced = Number(res.headers['content-length']);
  if (res.headers['content-length'] !== undefined && Number.isSafeInteger(announced)) {
    if (announced > max) {
      discard(res.body);
      throw tooLarge(host, max);
    }
    try {
      return await res.body.text();
    } catch (e) {
      throw failure(e, host, signal);
    }
  }
  const chunks: Buffer[] = [];
  for await (const chunk of bounded(res, host, signal, max)) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** The answer's chunks as they arrive, at most `max` bytes in all; a failure (deadline, reset, size) is an AppError naming the host. */
async function* bounded(res: Dispatcher.ResponseData<unknown>, host: string, signal: AbortSignal, max: number): AsyncGenerator<Buffer> {
  let size = 0;
  try {
    for await (const chunk of res.body) {
      size += (chunk as Buffer).length;
      if (size > max) throw tooLarge(host, max);
      yield chunk as Buffer;
    }
  } catch (e) {
    if (e instanceof AppError) throw e;
    throw failure(e, host, signal);
  } finally {
    if (!res.body.destroyed) discard(res.body); // left early (too large, or the reader stopped): free the connection
  }
}

/** 502 ERR_PROXY_UPSTREAM_TOO_LARGE naming the host and the bound. */
function tooLarge(host: string, max: number): AppError {
  return new AppError(proxyErrors.ERR_PROXY_UPSTREAM_TOO_LARGE, `${host} answered with more than ${max} bytes.`, { host, max_bytes: max });
}

/** The error an agent sees for a failed call: 504 when the proxy timeout passed (this call's or the action's), 502 otherwise; both name the host. */
function failure(e: unknown, host: string, signal: AbortSignal): Error {
  if (signal.aborted && (signal.reason as Error | undefined)?.name === 'TimeoutError')
    return new AppError(proxyErrors.ERR_PROXY_UPSTREAM_TIMEOUT, `${host} did not answer in time.`, { host });
  const cause = (e as { cause?: unknown }).cause ?? e;
  if (cause instanceof AddressRefused || e instanceof AddressRefused)
    return new AppError(proxyErrors.ERR_PROXY_UPSTREAM_HOST, `${host} resolves to an address the proxy may not reach; nothing was sent.`, {
      host,
    });
  const code = (cause as NodeJS.ErrnoException)?.code ?? (e as NodeJS.ErrnoException)?.code;
  return new AppError(proxyErrors.ERR_PROXY_UPSTREAM_FAILED, `${host} could not be reached${code ? ` (${code})` : ''}.`, { host });
}
