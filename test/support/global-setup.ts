import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from './embedded-postgres.js';
import { LOG_COPY } from './log-secrets.js';
import { logScanFailure } from './log-scan.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Admin URL of the embedded PostgreSQL started for this test run. */
    pgAdminUrl: string;
  }
}

/**
 * Starts one embedded PostgreSQL for the whole run, and a log directory every gateway of the run copies its log
 * lines to (OAUTH3_LOG_COPY: the workers inherit it, spawnCli hands it on). After the last test file, the log scan
 * reads every line and fails the run (exit code 1) on any secret in one, or when files that start gateways ran
 * and not one line was read.
 */
export default async function setup(project: TestProject) {
  const pg = await startEmbeddedPostgres((e) => console.error(e));
  project.provide('pgAdminUrl', pg.adminUrl);
  const logDir = mkdtempSync(join(tmpdir(), 'oauth3-logs-'));
  process.env[LOG_COPY] = logDir;
  return async () => {
    await pg.stop();
    const ran = project.vitest.state.getFiles().map((f) => f.filepath);
    const failure = logScanFailure(logDir, ran);
    if (failure) {
      console.error(failure);
      process.exitCode = 1;
    } else rmSync(logDir, { recursive: true, force: true });
  };
}
