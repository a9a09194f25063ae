import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { LOG_COPY } from './log-secrets.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** The run's log directory (test/support/global-setup.ts), which a spawned gateway copies its log lines to as well. */
const logCopy = (): Record<string, string> => (process.env[LOG_COPY] ? { [LOG_COPY]: process.env[LOG_COPY] } : {});

/**
 * Spawns the real CLI (TypeScript through tsx) with a clean environment plus `env` (and the run's log directory),
 * node running with `nodeFlags`.
 */
export function spawnCli(args: string[], env: Record<string, string>, nodeFlags: readonly string[] = []): ChildProcess {
  return spawn(process.execPath, [...nodeFlags, '--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...logCopy(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs the CLI to completion: exit code, stdout and stderr. */
export function runCli(
  args: string[],
  env: Record<string, string>,
  timeoutMs = 30_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawnCli(args, env);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`oauth3 ${args.join(' ')} did not finish: ${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
