import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OAuthFlowError } from '../client-errors.js';

/** The path of the loopback redirect URI. */
export const CALLBACK_PATH = '/callback';

/** Options of {@link startLoopbackCallback}. */
export interface LoopbackCallbackOptions {
  /** The `state` sent in the authorization request: a callback with any other is answered 400 and ignored. */
  state: string;
  /** How long to wait for the callback (default 5 minutes); then the server closes and `callback` rejects. */
  timeoutMs?: number;
}

/** A running loopback redirect listener (RFC 8252 §7.3). */
export interface LoopbackCallback {
  /** `http://127.0.0.1:PORT/callback`: the redirect URI to send. */
  redirectUri: string;
  port: number;
  /** The callback's URL (its query holds code or error, state, iss) once one with the expected state came. */
  callback: Promise<URL>;
  /** Closes the server now (idempotent); a pending `callback` rejects with reason `cancelled`. */
  close(): Promise<void>;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(res: ServerResponse, status: number, title: string, text: string): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
    'referrer-policy': 'no-referrer',
  });
  res.end(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
      `<title>${escapeHtml(title)}</title></head><body style="font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem">` +
      `<h1 style="font-size:1.4rem">${escapeHtml(title)}</h1><p data-testid="callback-message">${escapeHtml(text)}</p></body></html>`,
  );
}

/**
 * Listens on 127.0.0.1 on a random port for the authorization response (RFC 8252 §7.3). Only GET /callback with
 * the expected `state` counts: it is answered with a short page (signed in, or the error in words, never the code)
 * and the server closes. Anything else gets a 400 or 404 page and the wait goes on. After `timeoutMs` the server
 * closes and `callback` rejects with an OAuthFlowError (reason `timeout`).
 */
export async function startLoopbackCallback(o: LoopbackCallbackOptions): Promise<LoopbackCallback> {
  let settle!: { resolve: (u: URL) => void; reject: (e: Error) => void };
  const callback = new Promise<URL>((resolve, reject) => (settle = { resolve, reject }));
  callback.catch(() => undefined); // the caller may not be awaiting it yet
  let done = false;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', `http://127.0.0.1`);
    if (req.method !== 'GET' || url.pathname !== CALLBACK_PATH)
      return page(res, 404, 'Not found', 'This is the oauth3 CLI’s sign-in callback.');
    if (done || url.searchParams.get('state') !== o.state) {
      return page(
        res,
        400,
        'Not this sign-in',
        'This answer does not belong to the sign-in the terminal is waiting for. Start over from the terminal.',
      );
    }
    done = true;
    const error = url.searchParams.get('error');
    if (error) {
      const said = url.searchParams.get('error_description');
      page(
        res,
        200,
        error === 'access_denied' ? 'Sign-in cancelled' : 'Sign-in failed',
        `${error === 'access_denied' ? 'You declined.' : `The server answered ${error}${said ? `: ${said}` : ''}.`} You can close this tab and return to the terminal.`,
      );
    } else {
      page(res, 200, 'Signed in', 'Signed in. You can close this tab and return to the terminal.');
    }
    settle.resolve(new URL(url.href.replace('http://127.0.0.1', redirectBase)));
    void close();
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok());
  });
  const port = (server.address() as AddressInfo).port;
  const redirectBase = `http://127.0.0.1:${port}`;
  const timeoutMs = o.timeoutMs ?? 5 * 60_000;
  const timer = setTimeout(() => {
    settle.reject(
      new OAuthFlowError(`No answer from the browser within ${Math.round(timeoutMs / 1000)} s: run oauth3 login again.`, {
        reason: 'timeout',
      }),
    );
    void close();
  }, timeoutMs);
  timer.unref();
  let closing: Promise<void> | undefined;
  function close(): Promise<void> {
    clearTimeout(timer);
    closing ??= new Promise<void>((ok) => {
      server.close(() => ok());
      server.closeAllConnections();
    });
    settle.reject(new OAuthFlowError('The login was stopped.', { reason: 'cancelled' }));
    return closing;
  }
  return { redirectUri: `${redirectBase}${CALLBACK_PATH}`, port, callback, close };
}
