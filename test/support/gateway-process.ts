import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { spawnCli } from './run-cli.js';
import { waitHealthy } from './wait-healthy.js';

/** A gateway running as its own process (`oauth3 serve`). */
export interface GatewayProcess {
  /** `http://127.0.0.1:PORT`: where this process listens (the public URL may be another instance's). */
  url: string;
  port: number;
  child: ChildProcess;
  /** Everything it wrote to stdout and stderr so far (its JSON log lines). */
  output(): string;
  /** SIGKILL, and waits for the exit (at most 5 s). */
  kill(): Promise<void>;
}

/**
 * Spawns `oauth3 serve` on a free port with a temp data dir, the listening URL as its public URL unless `env` sets
 * OAUTH3_PUBLIC_URL (instances of one deployment share one: as behind a load balancer), and `env` on top; waits
 * until /health answers 200 (90 s at most). Logs at `warn` unless OAUTH3_LOG_LEVEL is given. `port`: the port to
 * listen on (a free one when omitted).
 */
export async function spawnGateway(env: Record<string, string>, port?: number): Promise<GatewayProcess> {
  port ??= await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawnCli(['serve'], {
    OAUTH3_DATA_DIR: mkdtempSync(join(tmpdir(), 'oauth3-gw-')),
    OAUTH3_PUBLIC_URL: url,
    OAUTH3_LOG_LEVEL: 'warn',
    ...env,
    OAUTH3_PORT: String(port),
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const gateway: GatewayProcess = {
    url,
    port,
    child,
    output: () => out,
    kill: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    },
  };
  try {
    await waitHealthy(url, 90_000); // three tsx processes starting at once on a busy machine take a while
  } catch (e) {
    await gateway.kill();
    throw new Error(`${(e as Error).message}: ${out.slice(-2000)}`);
  }
  return gateway;
}
