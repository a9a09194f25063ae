import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { TestDialect } from '../support/databases.js';
import { startEchoGateway, type EchoGateway } from '../support/echo-gateway.js';
import { mcpBearer } from '../support/mcp-client.js';
import { apiTokenOf } from '../support/plugin-call.js';
import { listRoutes, type ListedRoute } from '../support/route-list.js';
import { rememberSecrets } from '../support/log-secrets.js';
import { freePort } from '../support/free-port.js';
import { spawnCli } from '../support/run-cli.js';
import { npmStart } from '../support/npm-start.js';
import { createTestUser } from '../support/test-user.js';
import { connectUpstream } from '../support/upstream-connection.js';
import { waitHealthy } from '../support/wait-healthy.js';
import { newApiKey } from '../vault/server-api-helpers.js';
import type { FuzzCredentials } from './fuzz-cases.js';

/** The largest body the fuzzed gateway takes (small, so bodies past it stay cheap to send). */
export const FUZZ_BODY_LIMIT = 64 * 1024;

/** A real `oauth3 serve` process to fuzz, the routes it serves and valid credentials for it. */
export interface FuzzTarget {
  child: ChildProcess;
  port: number;
  routes: ListedRoute[];
  credentials: FuzzCredentials;
  /** Every secret of `credentials`, to keep out of what a failure prints. */
  secrets: string[];
  /** The last lines the process wrote (warnings and errors: the cause of a 5xx). */
  output: string[];
  /** The process's resident set size, bytes (from /proc). */
  rss(): number;
  stop(): Promise<void>;
}

/**
 * Starts an in-process gateway with the echo plugin on a fresh `dialect` database (for its route list, and to
 * make a person, their session, tokens, a vault key, a client and an upstream connection), then `oauth3 serve`
 * as its own process on the same database and keys, with the limits that would answer 429 before a handler off.
 */
export async function startFuzzTarget(dialect: TestDialect): Promise<FuzzTarget> {
  let setup: EchoGateway | undefined;
  let child: ChildProcess | undefined;
  try {
    setup = await startEchoGateway(dialect);
    const { app, upstream, echo } = setup;
    const user = await createTestUser(app);
    const { connectionId } = await connectUpstream(app, user.userId, upstream);
    const apiToken = await apiTokenOf(app, user, ['echo.say', 'echo.read']);
    const mcpToken = await mcpBearer(app, {
      userId: user.userId,
      clientId: 'fuzz-client',
      scopes: ['echo.say', 'echo.read'],
      audience: `${app.url}/mcp`,
    });
    const vault = await newApiKey(app, 'Fuzz MCP');
    const reg = await fetch(`${app.url}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_name: 'Fuzz', grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_basic' }),
    });
    const client = (await reg.json()) as { client_id: string; client_secret: string };
    if (!client.client_secret) throw new Error(`registration failed: ${reg.status}`);
    const credentials: FuzzCredentials = {
      cookie: user.cookie,
      csrf: user.csrf,
      apiToken,
      mcpToken,
      vaultKey: vault.key,
      client: { id: client.client_id, secret: client.client_secret },
      ids: [user.userId, connectionId, vault.id, vault.server, client.client_id, 'echo', 'upstream'], // not the session's: it would be revoked
      userId: user.userId,
      echoUrl: echo.url,
    };
    rememberSecrets(client.client_secret, apiToken, mcpToken, vault.key, user.token, user.csrf);
    const port = await freePort();
    child = spawnCli(
      ['serve'],
      {
        OAUTH3_DATA_DIR: app.config.dataDir,
        ...(app.config.databaseUrl ? { DATABASE_URL: app.config.databaseUrl } : {}),
        OAUTH3_MASTER_KEY: app.config.masterKey!,
        OAUTH3_PUBLIC_URL: app.config.publicUrl,
        OAUTH3_PORT: String(port),
        OAUTH3_WORKERS: '1',
        OAUTH3_LOG_LEVEL: 'warn',
        OAUTH3_PROVIDERS: JSON.stringify(app.config.providers),
        OAUTH3_PLUGINS: './test/faults/fuzz-plugin.ts',
        OAUTH3_ECHO_UPSTREAM: echo.url,
        OAUTH3_PROXY_ALLOW_RANGES: '127.0.0.0/8',
        OAUTH3_BODY_LIMIT: String(FUZZ_BODY_LIMIT),
        OAUTH3_RATE_LIMIT_AUTH: '0',
        OAUTH3_OAUTH_CLIENT_AUTH_FAILURES_PER_ADDRESS: '0',
        OAUTH3_OAUTH_CLIENT_AUTH_FAILURES_PER_CLIENT: '0',
      },
      npmStart().nodeArgs, // as `npm start` runs it: its V8 flags keep the heap near what is live, so RSS tells a leak
    );
    const output: string[] = [];
    const keep = (d: Buffer) => {
      output.push(...String(d).split('\n').filter(Boolean));
      if (output.length > 200) output.splice(0, output.length - 200);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    await waitHealthy(`http://127.0.0.1:${port}`, 60_000).catch((e: Error) => {
      throw new Error(`${e.message}; its output:\n${output.slice(-20).join('\n')}`);
    });
    const started = child;
    const gateway = setup;
    return {
      child: started,
      port,
      routes: listRoutes(app.app),
      credentials,
      secrets: [user.cookie.split('=')[1]!, user.csrf, apiToken, mcpToken, vault.key, client.client_secret],
      output,
      rss: () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${started.pid}/status`, 'utf8'))![1]) * 1024,
      stop: async () => {
        if (started.exitCode === null) {
          const exited = new Promise((r) => started.once('exit', r));
          started.kill('SIGTERM');
          await exited;
        }
        await gateway.stop();
      },
    };
  } catch (e) {
    child?.kill('SIGKILL');
    await setup?.stop();
    throw e;
  }
}
