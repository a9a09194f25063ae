import { appendFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The variable naming the run's log directory (set by test/support/global-setup.ts): every logger of every gateway
 * of the run copies its lines there (src/server/log-copy.ts), and the log scan reads them after the last test file.
 */
export const LOG_COPY = 'OAUTH3_LOG_COPY';

/**
 * Adds secrets a test used (upstream credentials, client secrets…) to the run's registry, for the log scan to look
 * for in every log line, beside the shapes it knows (JWTs, `o3p_`/`o3k_`, refresh tokens, 256-bit opaque secrets).
 * Written to the run directory (a temporary directory of the run, removed after it); nothing outside a run.
 */
export function rememberSecrets(...values: Array<string | undefined | null>): void {
  const dir = process.env[LOG_COPY];
  const kept = values.filter((v): v is string => typeof v === 'string' && v.length >= 12 && !v.includes('\n'));
  if (dir && kept.length) appendFileSync(join(dir, `secrets-${process.pid}.txt`), `${kept.join('\n')}\n`);
}
