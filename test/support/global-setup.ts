import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from './embedded-postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Admin URL of the embedded PostgreSQL started for this test run. */
    pgAdminUrl: string;
  }
}

/** Starts one embedded PostgreSQL for the whole run. */
export default async function setup(project: TestProject) {
  const pg = await startEmbeddedPostgres((e) => console.error(e));
  project.provide('pgAdminUrl', pg.adminUrl);
  return () => pg.stop();
}
