// A real `oauth3 serve` process for the fault tests (test/faults/): started on a fixed port, killed with SIGKILL
// while a load drives it, and started again on the same port and database. Every process it starts is tracked
// until it has exited and its pipes are closed: `killAllGateways()` (after each test) ends whatever is still running.
import type { ChildProcess } from 'node:child_process';
import { freePort } from './free-port.js';
import { spawnCli } from './run-cli.js';
import type { TestApp } from './test-app.js';

/**
 * The environment of a gateway process on the database, master key and public URL of `setup` (an in-process app that
 * made the people, clients or connections the process is to serve), with `env` on top.
 */
export function setupEnv(setup: TestApp, env: Record<string, string> = {}): Record<string, string> {
  return {
    OAUTH3_DATA_DIR: setup.config.dataDir,
    ...(setup.config.databaseUrl ? { DATABASE_URL: setup.config.databaseUrl } : {}),
    OAUTH3_MASTER_KEY: setup.config.masterKey!, // startTestApp always sets one
    OAUTH3_PUBLIC_URL: setup.config.publicUrl,
    ...env,
  };
}

/** Polls `/health` until it answers 200: up to a minute (a start takes seconds on a loaded machine), while `child` runs. */
async function healthy(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && child.exitCode === null && child.signalCode === null) {
    try {
      if ((await fetch(`${url}/health`, { signal: AbortSignal.timeout(5000) })).ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  if (child.exitCode === null && child.signalCode === null) throw new Error(`${url} did not become healthy within 60 s`);
}

/** Every gateway process started and not yet reaped, with its end (exited, stdout and stderr closed). */
const running = new Map<ChildProcess, Promise<void>>();

/** SIGKILLs `child` if it still runs; resolves once it is gone and its pipes are closed. */
function reap(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  const closed = running.get(child) ?? Promise.resolve();
  running.delete(child);
  return closed;
}

/** Kills every gateway process still running (the net under each fault test: `afterEach(killAllGateways)`). */
export async function killAllGateways(): Promise<void> {
  await Promise.all([...running.keys()].map(reap));
}

/** One gateway on one port and database, started, killed and restarted by the test. */
export interface KillableGateway {
  /** `http://127.0.0.1:PORT` (the same across restarts). */
  url: string;
  /** Starts a process (none may be running) and resolves when `/health` answers 200. */
  start(): Promise<void>;
  /** SIGKILL, at once: resolves when the process is gone. Nothing is flushed or closed by it. */
  kill(): Promise<void>;
  /** SIGTERM (a clean stop) and waits for the exit. */
  stop(): Promise<void>;
  /** What every process of this gateway wrote on stdout and stderr so far (the last 200 kB). */
  output(): string;
  /** How many processes were started. */
  readonly starts: number;
}

/**
 * A gateway for `env` (OAUTH3_DATA_DIR, DATABASE_URL, OAUTH3_MASTER_KEY, OAUTH3_PUBLIC_URL, …) on a free port
 * (OAUTH3_PORT is set here; `port` keeps a given one). One worker unless `env` says otherwise.
 */
export async function killableGateway(env: Record<string, string>, port?: number): Promise<KillableGateway> {
  const p = port ?? (await freePort());
  const url = `http://127.0.0.1:${p}`;
  let child: ChildProcess | undefined;
  let out = '';
  let starts = 0;
  const keep = (d: Buffer | string) => {
    out = (out + String(d)).slice(-200_000);
  };
  return {
    url,
    get starts() {
      return starts;
    },
    async start() {
      if (child && child.exitCode === null && child.signalCode === null) throw new Error('the gateway is already running');
      const c = spawnCli(['serve'], { OAUTH3_WORKERS: '1', ...env, OAUTH3_PORT: String(p) });
      child = c;
      starts++;
      c.stdout!.on('data', keep);
      c.stderr!.on('data', keep);
      running.set(c, new Promise<void>((resolve) => c.once('close', () => resolve())));
      const early = new Promise<never>((_, reject) =>
        c.once('exit', (code, signal) => reject(new Error(`the gateway exited (${signal ?? code}) while starting:\n${out.slice(-4000)}`))),
      );
      early.catch(() => undefined);
      await Promise.race([healthy(url, c), early]);
    },
    async kill() {
      if (child) await reap(child);
    },
    async stop() {
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      const c = child;
      const closed = running.get(c) ?? Promise.resolve();
      c.kill('SIGTERM');
      await closed;
      running.delete(c);
    },
    output: () => out,
  };
}
