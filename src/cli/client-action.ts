import { OAuthError, isLoginRequired } from '../client/index.js';

/**
 * The client commands' exit codes (README "Command line"): 0 ok, 1 error, 2 cancelled, 3 waiting for the person's
 * approval (`call` without `--wait`), 4 login needed.
 */
export const EXIT = { ok: 0, error: 1, cancelled: 2, approvalPending: 3, loginRequired: 4 } as const;

/** The exit code an error stands for. */
export function exitCodeFor(e: unknown): number {
  if (isLoginRequired(e)) return EXIT.loginRequired;
  if (e instanceof OAuthError && (e.reason === 'cancelled' || e.reason === 'access_denied')) return EXIT.cancelled;
  return EXIT.error;
}

/**
 * Wraps a client command's action (login, status, token, logout, call, doctor, mcp-bridge): an error prints one
 * line a person can act on (`--verbose` adds the detail and the cause's message, never a secret) and exits with
 * its code; a result code other than 0 exits with it.
 */
export function clientAction<A extends unknown[]>(run: (...args: A) => Promise<number | void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    const verbose = process.argv.includes('--verbose');
    try {
      const code = await run(...args);
      if (code) process.exitCode = code;
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      process.stderr.write(`oauth3: ${message}\n`);
      if (verbose && e instanceof OAuthError) {
        if (e.detail) process.stderr.write(`  detail: ${e.detail}\n`);
        if (e.cause instanceof Error) process.stderr.write(`  cause: ${e.cause.message}\n`);
      }
      process.exitCode = exitCodeFor(e);
    }
  };
}
