// A gateway a bench runs as the real `oauth3 serve` process (src/cli/main.ts through tsx): its own data directory,
// port and master key on 127.0.0.1, NODE_ENV=production, stdout to /dev/null, its settings from the environment,
// so it runs the configuration an operator would (SQLite, default options) plus what the bench sets, and the
// per-address flood guard set high.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../test/support/free-port.js';

const root = fileURLToPath(new URL('../', import.meta.url));

/** Polls /health until it answers 200; a gateway on a large store may take a while to start (up to 5 minutes). */
async function waitHealthy(url: string): Promise<void> {
  for (const until = Date.now() + 300_000; Date.now() < until;) {
    try {
      if ((await fetch(`${url}/health`)).ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not become healthy within 5 minutes`);
}

/** Whether the gateway's source declares the variable `name` (its option builders name it in quotes). */
function knowsVariable(name: string): boolean {
  const files = readdirSync(join(root, 'src'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('-options.ts'));
  return files.some((f) => readFileSync(join(root, 'src', f), 'utf8').includes(`'${name}'`));
}

/** A gateway's environment, chosen before it starts (so a bench can seed its database first). */
export interface GatewayPlan {
  url: string;
  dataDir: string;
  env: Record<string, string>;
}

/** A running `oauth3 serve`. */
export interface ServedGateway extends GatewayPlan {
  pid: number;
  process: ChildProcess;
  /** SIGTERM, waits for it to exit, removes its data directory. */
  stop(): Promise<void>;
}

/** Settings written `K=V;K=V` (BENCH_GATEWAY_ENV, a BENCH_WORKERS entry's), as an environment. */
export function parseSettings(list: string | undefined): Record<string, string> {
  return Object.fromEntries(
    (list ?? '')
      .split(';')
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
}

/** Picks a port, a data directory and a master key; `env` adds settings (e.g. OAUTH3_RATE_LIMIT_AUTH=0). */
export async function planGateway(env: Record<string, string> = {}): Promise<GatewayPlan> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'oauth3-bench-'));
  process.once('exit', () => rmSync(dataDir, { recursive: true, force: true })); // also when seeding or starting fails
  return {
    url,
    dataDir,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      NODE_ENV: 'production',
      OAUTH3_PORT: String(port),
      OAUTH3_HOST: '127.0.0.1',
      OAUTH3_PUBLIC_URL: url,
      OAUTH3_DATA_DIR: dataDir,
      OAUTH3_MASTER_KEY: randomBytes(32).toString('base64url'),
      // The load generator is one address sending thousands of requests a second: the per-address flood guard
      // (OAUTH3_FLOOD_LIMIT) would answer most of them 429. Its highest limit keeps its counting in the measure (set
      // only where the tree has it: the gateway refuses a variable it does not know).
      ...(knowsVariable('OAUTH3_FLOOD_LIMIT') ? { OAUTH3_FLOOD_LIMIT: '100000000' } : {}),
      ...(process.env.BENCH_LOG_LEVEL ? { OAUTH3_LOG_LEVEL: process.env.BENCH_LOG_LEVEL } : {}),
      ...parseSettings(process.env.BENCH_GATEWAY_ENV), // settings for every gateway a bench starts, under its own
      ...env,
    },
  };
}

/**
 * Starts `oauth3 serve` on a plan and waits until /health answers: from source through tsx, or `o.main` (the
 * dist/cli/main.js of a build, bench/built-gateway.ts). `o.nodeArgs` go before the script (e.g. --cpu-prof).
 */
export async function serveGateway(plan: GatewayPlan, o: { nodeArgs?: string[]; main?: string } = {}): Promise<ServedGateway> {
  const script = o.main ? [o.main] : ['--import', 'tsx', 'src/cli/main.ts'];
  const child = spawn(process.execPath, [...(o.nodeArgs ?? []), ...script, 'serve'], {
    cwd: root,
    env: plan.env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
  const orphaned = () => child.kill('SIGKILL'); // the bench died first (an error, a closed pipe): leave no gateway behind
  process.once('exit', orphaned);
  void exited.then(() => process.off('exit', orphaned));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(plan.dataDir, { recursive: true, force: true });
  };
  try {
    await Promise.race([waitHealthy(plan.url), exited.then(() => Promise.reject(new Error(`oauth3 serve exited with ${child.exitCode}`)))]);
  } catch (e) {
    await stop();
    throw e;
  }
  return { ...plan, pid: child.pid!, process: child, stop };
}
