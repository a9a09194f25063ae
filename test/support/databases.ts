import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';

export type TestDialect = 'sqlite' | 'postgres';

/** Both storage backends: every storage test runs on each (`describe.each(dialects)`). */
export const dialects: TestDialect[] = ['sqlite', 'postgres'];

let counter = 0;

/**
 * A fresh, empty database of the given kind: a new SQLite data dir, or a new PostgreSQL database on the
 * run's embedded server. Returns the config fields that select it.
 */
export async function freshDatabase(dialect: TestDialect): Promise<{ dataDir: string; databaseUrl?: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'oauth3-test-'));
  if (dialect === 'sqlite') return { dataDir };
  const admin = inject('pgAdminUrl');
  const name = `t_${process.pid}_${Date.now().toString(36)}_${counter++}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return { dataDir, databaseUrl: url.toString() };
}
