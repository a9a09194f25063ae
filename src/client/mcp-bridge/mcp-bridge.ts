import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { OAuthFlowError, isLoginRequired } from '../client-errors.js';
import type { AuthorizedFetch } from './authorized-fetch.js';

/** How to run a bridge. */
export interface McpBridgeOptions {
  /** The remote streamable-HTTP MCP endpoint. */
  url: string | URL;
  /** The fetch every request to the remote goes through: it adds the bearer (see authorizedFetch). */
  fetch: AuthorizedFetch;
  /** The local side (default: a stdio MCP server on this process's stdin and stdout). */
  local?: Transport;
  /** The stream whose end closes the bridge (default: process.stdin when `local` is the default). */
  input?: NodeJS.ReadableStream;
  /** Where the bridge says what goes wrong (default: stderr). Never stdout: that is the MCP channel. */
  log?: (line: string) => void;
}

/** A running bridge. */
export interface McpBridge {
  /**
   * Settles when the bridge has closed: the local side ended (stdin closed), the remote closed, or `close()`.
   * Rejects with the error when it had to stop: a login was needed and failed.
   */
  readonly closed: Promise<void>;
  /** Ends the remote session (DELETE, when it has one) and closes both sides. */
  close(): Promise<void>;
}

/** JSON-RPC "internal error", for a request the remote could not be reached for. */
const INTERNAL_ERROR = -32603;

const isRequest = (m: JSONRPCMessage): m is JSONRPCMessage & { id: string | number; method: string } => 'method' in m && 'id' in m;

/** An error that stops the bridge: there is no login and getting one failed. */
const stopsBridge = (e: unknown) => e instanceof OAuthFlowError || isLoginRequired(e);

const errorMessage = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * Forwards every JSON-RPC message between a local MCP client (stdio) and a remote streamable-HTTP MCP server, with
 * the MCP SDK's transports on both sides: the local client talks to the remote as if it spoke HTTP itself. The
 * remote's protocol version is taken from its initialize answer; a request that cannot be sent is answered with a
 * JSON-RPC error (so the local client does not wait for it), and a failed login stops the bridge.
 */
export async function startMcpBridge(o: McpBridgeOptions): Promise<McpBridge> {
  const log = o.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  // imported here, not at the top: the client library is loaded by the gateway too (its attestation), which never bridges
  const [{ StdioServerTransport }, { StreamableHTTPClientTransport }] = await Promise.all([
    import('@modelcontextprotocol/sdk/server/stdio.js'),
    import('@modelcontextprotocol/sdk/client/streamableHttp.js'),
  ]);
  const local = o.local ?? new StdioServerTransport();
  const input = o.input ?? (o.local ? undefined : process.stdin);
  const remote = new StreamableHTTPClientTransport(new URL(o.url), { fetch: o.fetch });
  const initializeIds = new Set<string | number>();

  let settle!: { resolve: () => void; reject: (e: unknown) => void };
  const closed = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  closed.catch(() => undefined); // the caller reads it; an unread rejection is not a crash
  let closing: Promise<void> | undefined;
  const close = (error?: unknown) => {
    closing ??= (async () => {
      await Promise.race([remote.terminateSession().catch(() => undefined), new Promise((r) => setTimeout(r, 2000).unref())]);
      await remote.close().catch(() => undefined);
      await local.close().catch(() => undefined);
      if (error === undefined) settle.resolve();
      else settle.reject(error);
    })();
    return closing;
  };

  local.onmessage = (message: JSONRPCMessage) => {
    if (isRequest(message) && message.method === 'initialize') initializeIds.add(message.id);
    remote.send(message).catch((e: unknown) => {
      if (isRequest(message))
        local
          .send({ jsonrpc: '2.0', id: message.id, error: { code: INTERNAL_ERROR, message: `the remote MCP server: ${errorMessage(e)}` } })
          .catch(() => undefined);
      if (stopsBridge(e)) void close(e);
    });
  };
  remote.onmessage = (message: JSONRPCMessage) => {
    if ('id' in message && 'result' in message && initializeIds.delete(message.id!)) {
      const version = (message.result as { protocolVersion?: unknown }).protocolVersion;
      if (typeof version === 'string') remote.setProtocolVersion(version);
    }
    local.send(message).catch((e: unknown) => log(`oauth3 mcp-bridge: cannot write to the MCP client: ${errorMessage(e)}`));
  };
  remote.onerror = (e) => log(`oauth3 mcp-bridge: ${o.url}: ${errorMessage(e)}`);
  local.onerror = (e) => log(`oauth3 mcp-bridge: from the MCP client: ${errorMessage(e)}`);
  remote.onclose = () => void close();
  local.onclose = () => void close();

  await remote.start();
  await local.start();
  input?.once('end', () => void close());
  input?.once('close', () => void close());
  return { closed, close: () => close() };
}
