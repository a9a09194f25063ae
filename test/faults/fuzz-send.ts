import { Agent, request } from 'node:http';
import { connect } from 'node:net';

/** One malformed request: through the HTTP client, or (`raw`) as bytes on a fresh connection. */
export interface FuzzRequest {
  /** What is broken in it, for the report. */
  kind: string;
  method: string;
  path: string;
  headers: Record<string, string | string[]>;
  body?: Buffer;
  /** The whole request as bytes (framing or header bytes the HTTP client refuses to send). */
  raw?: Buffer;
  /**
   * The raw request ends before its body does (the client then half-closes): the server, seeing the connection end,
   * gives the request up, so closing without an answer is right for it (never a 5xx).
   */
  incomplete?: boolean;
}

/** What came back: a status, or the error the connection ended with (a reset, a timeout). */
export interface FuzzOutcome {
  status?: number;
  error?: string;
  /** An incomplete request's connection closed without an answer (as it should). */
  closed?: boolean;
  /** The stable error code an error answer names (JSON `error`, or an ERR_… code on an HTML error page), if any. */
  code?: string;
}

const TIMEOUT_MS = 15_000;
const HEADER_LIMIT = 14 * 1024;

/** Sends fuzz requests to one gateway on loopback, keeping connections alive between the well-formed ones. */
export class FuzzSender {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 16 });
  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {}

  send(req: FuzzRequest): Promise<FuzzOutcome> {
    if (req.raw) return this.sendRaw(req.raw, req.incomplete);
    // Headers past Node's 16 KiB get a 431 and the connection closed (without saying so, and with a body even for
    // HEAD): on a connection of its own, so that a kept-alive one is not reused after it.
    if (req.path.length + JSON.stringify(req.headers).length > HEADER_LIMIT) return this.sendRaw(rawBytes(req));
    let out: Promise<FuzzOutcome>;
    try {
      out = this.sendHttp(req);
    } catch {
      // The HTTP client refuses it (a NUL in a header, a space in the path): send the same bytes by hand.
      return this.sendRaw(rawBytes(req));
    }
    return out;
  }

  close(): void {
    this.agent.destroy();
  }

  private sendHttp(req: FuzzRequest): Promise<FuzzOutcome> {
    const headers = { ...req.headers };
    if (req.body) headers['content-length'] ??= String(req.body.length);
    const r = request({ host: this.host, port: this.port, method: req.method, path: req.path, headers, agent: this.agent });
    return new Promise((resolve) => {
      let done = false;
      const finish = (o: FuzzOutcome) => {
        if (!done) ((done = true), resolve(o));
      };

      r.setTimeout(TIMEOUT_MS, () => {
        finish({ error: 'timeout' });
        r.destroy();
      });
      r.on('response', (res) => {
        let head = '';
        res.on('data', (d: Buffer) => head.length < 512 && (head += d.toString('utf8')));
        res.on('end', () =>
          finish({ status: res.statusCode, code: /\b(ERR_[A-Z_]+)\b/.exec(head)?.[1] ?? /^\{"error":"([A-Za-z_]+)"/.exec(head)?.[1] }),
        );
        res.on('error', (e) => finish({ status: res.statusCode, error: (e as NodeJS.ErrnoException).code ?? e.message }));
      });
      r.on('error', (e) => finish({ error: (e as NodeJS.ErrnoException).code ?? e.message }));
      r.end(req.body);
    });
  }

  /**
   * Writes the bytes on a connection of their own and reads the status line; the connection is not half-closed
   * (a server that sees its client's end gives the request up) unless the request is `incomplete`.
   */
  private sendRaw(bytes: Buffer, incomplete = false): Promise<FuzzOutcome> {
    return new Promise((resolve) => {
      const socket = connect(this.port, this.host);
      let head = '';
      let status: number | undefined;
      let done = false;
      const finish = (o: FuzzOutcome) => {
        if (done) return;
        done = true;
        socket.destroy();
        resolve(o);
      };
      socket.setTimeout(TIMEOUT_MS, () => finish({ status, error: status ? undefined : 'timeout' }));
      socket.on('connect', () => (incomplete ? socket.end(bytes) : socket.write(bytes)));
      socket.on('data', (d) => {
        if (status !== undefined) return;
        head += d.toString('latin1');
        const m = /^HTTP\/1\.[01] (\d{3})/.exec(head);
        if (m) status = Number(m[1]);
      });
      socket.on('close', () =>
        finish(status || !incomplete ? { status, error: status ? undefined : 'closed without an answer' } : { closed: true }),
      );
      // A reset after the answer is the server closing a connection whose request it refused (unread bytes).
      socket.on('error', (e) => finish({ status, error: status ? undefined : ((e as NodeJS.ErrnoException).code ?? e.message) }));
    });
  }
}

/** The request as HTTP/1.1 bytes, closing the connection after the answer. */
export function rawBytes(req: FuzzRequest): Buffer {
  const lines = [`${req.method} ${req.path} HTTP/1.1`, 'host: 127.0.0.1', 'connection: close'];
  for (const [k, v] of Object.entries(req.headers)) for (const one of Array.isArray(v) ? v : [v]) lines.push(`${k}: ${one}`);
  if (req.body && !Object.keys(req.headers).some((k) => k.toLowerCase() === 'content-length' || k.toLowerCase() === 'transfer-encoding'))
    lines.push(`content-length: ${req.body.length}`);
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), req.body ?? Buffer.alloc(0)]);
}
