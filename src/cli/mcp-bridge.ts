import type { Command } from 'commander';
import {
  authorizedFetch,
  createTokenManager,
  defaultStore,
  login,
  startMcpBridge,
  ValidationError,
  type BearerSource,
} from '../client/index.js';
import { clientAction } from './client-action.js';

interface BridgeOptions {
  scope?: string;
  clientId?: string;
  browser: boolean;
  timeout?: string;
}

/** The remote MCP endpoint: an absolute http(s) URL (it is the resource the login is for). */
function endpointOf(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ValidationError(`not a URL: ${url}`, { reason: 'invalid_url' });
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new ValidationError(`not an http(s) URL: ${url}`, { reason: 'invalid_url' });
  return u.href;
}

/**
 * The bridge's tokens: the login stored for the resource (found as every client command finds it), kept fresh by
 * the token manager (refresh safe across processes: an MCP host may start several bridges). No stored login is
 * TokenError `login_required` (defaultStore's), which makes the bridge log in; `forget()` finds the store again.
 */
function storedTokens(resource: string): BearerSource & { forget(): void } {
  let manager: Promise<ReturnType<typeof createTokenManager>> | undefined;
  const current = () => {
    if (!manager) {
      const found = defaultStore({ resource }).then((store) => createTokenManager({ store }));
      found.catch(() => {
        if (manager === found) manager = undefined; // nothing found: look again next time
      });
      manager = found;
    }
    return manager;
  };
  return {
    getAccessToken: async () => (await current()).getAccessToken(),
    refresh: async () => (await current()).refresh(),
    forget: () => (manager = undefined),
  };
}

/** `oauth3 mcp-bridge URL`: a stdio MCP server forwarding to a protected streamable-HTTP MCP server. */
async function bridge(url: string, o: BridgeOptions): Promise<void> {
  // stdout is the MCP channel: whatever else would be printed goes to stderr
  console.log = console.info = console.debug = console.error;
  const resource = endpointOf(url);
  const timeoutSeconds = o.timeout === undefined ? undefined : Number(o.timeout);
  if (timeoutSeconds !== undefined && !(timeoutSeconds > 0))
    throw new ValidationError('--timeout must be a number of seconds', { reason: 'invalid_timeout' });
  const tokens = storedTokens(resource);
  const signIn = async () => {
    process.stderr.write(`oauth3 mcp-bridge: no login for ${resource} yet: logging in\n`);
    await login({
      resource,
      scopes: o.scope?.split(/[\s,]+/).filter(Boolean),
      clientId: o.clientId,
      openBrowser: o.browser,
      timeoutMs: timeoutSeconds === undefined ? undefined : timeoutSeconds * 1000,
      onUrl: (u: string) => process.stderr.write(`oauth3 mcp-bridge: open this URL to log in: ${u}\n`),
    });
    tokens.forget(); // the login saved a store: find it again
    process.stderr.write('oauth3 mcp-bridge: logged in\n');
  };
  const running = await startMcpBridge({ url: resource, fetch: authorizedFetch({ tokens, login: signIn }) });
  const stop = () => void running.close();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await running.closed;
  } finally {
    // Closed: nothing may keep the process (a login still waiting on its loopback port, say) once the exit code is set
    setTimeout(() => process.exit(), 500).unref();
  }
}

/** `oauth3 mcp-bridge URL [--scope …] [--client-id ID] [--no-browser] [--timeout S]`. */
export function mcpBridgeCommand(program: Command): void {
  program
    .command('mcp-bridge')
    .description(
      'a stdio MCP server that forwards to a remote streamable-HTTP MCP server protected by OAuth: logs in on first use, keeps the token fresh (for stdio-only MCP clients)',
    )
    .argument('<url>', 'the remote MCP endpoint, e.g. https://gateway.example/mcp')
    .option('--scope <scopes>', 'scopes to ask for at the first login (space or comma separated)')
    .option('--client-id <id>', 'a client id registered at the server, when it offers neither metadata documents nor registration')
    .option('--no-browser', 'print the login URL (on stderr) instead of opening a browser')
    .option('--timeout <seconds>', 'how long the first login waits for the browser')
    .option('--verbose', 'say more when something fails')
    .addHelpText('after', '\nOnly JSON-RPC goes to stdout; the login URL and every message go to stderr. Ends when stdin closes.')
    .action(clientAction((url: string, o: BridgeOptions) => bridge(url, o)));
}
